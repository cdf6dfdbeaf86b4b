/**
 * A provider's pool of upstream credentials (`api_keys`): which key the next attempt uses, which keys
 * are resting after a 429, which are out after a 401/403. One pool per provider per process, built with
 * the provider registry in `createServices`.
 *
 * Choice: keys that are neither out nor cooling; among them the ones not rate-limited recently go
 * first (least recently rate-limited first); within that group, smooth weighted round-robin (the nginx
 * algorithm: every pick adds each key's weight to its score and takes the highest, then subtracts the
 * total), which is plain round-robin when the weights are equal and never bunches a heavy key's turns.
 * A 429 cools only that key, for the upstream's Retry-After (none sent: no cooling, but the key goes to
 * the back as recently limited); a 401/403 takes it out until an operator puts it back.
 */

export interface PoolKey {
  /** Shown in logs, the ledger, `/admin` and the dashboard; never the secret. */
  readonly label: string;
  readonly secret: string;
  readonly weight: number;
}

export type KeyState = 'active' | 'cooling' | 'disabled';

export interface KeyStatus {
  readonly label: string;
  readonly weight: number;
  readonly state: KeyState;
  /** ISO time the key may be used again (state `cooling`). */
  readonly coolingUntil: string | null;
  readonly lastRateLimitedAt: string | null;
  /** When and why it was taken out (state `disabled`). */
  readonly disabledAt: string | null;
  readonly disabledStatus: number | null;
  readonly requests: number;
  readonly rateLimited: number;
}

/** A key chosen for one attempt. */
export interface KeyLease {
  readonly label: string;
  readonly secret: string;
}

/** What a failure did to the key. */
export type KeyVerdict = 'cooled' | 'disabled' | 'none';

export interface KeyPoolEvent {
  readonly provider: string;
  readonly label: string;
  readonly kind: 'disabled' | 'enabled' | 'cooled';
  readonly status?: number;
  readonly untilMs?: number;
}

/** A key's Retry-After is capped: a misbehaving upstream cannot park a key for hours. */
const MAX_KEY_COOLING_MS = 10 * 60_000;
/** A key rate-limited within this window is used only when no calmer key is free. */
const RECENTLY_LIMITED_MS = 60_000;

interface KeySlot {
  readonly key: PoolKey;
  score: number;
  coolingUntil: number;
  /** -Infinity: never rate-limited. */
  lastLimitedAt: number;
  disabledAt: number;
  disabledStatus: number | null;
  requests: number;
  rateLimited: number;
}

export class KeyPool {
  readonly provider: string;
  readonly #slots: KeySlot[];
  readonly #onEvent: (event: KeyPoolEvent) => void;

  constructor(provider: string, keys: readonly PoolKey[], onEvent: (event: KeyPoolEvent) => void = () => {}) {
    if (keys.length === 0) throw new Error(`provider ${provider}: a key pool needs at least one key`);
    const labels = new Set<string>();
    for (const key of keys) {
      if (labels.has(key.label))
        throw new Error(`provider ${provider}: two keys are labelled "${key.label}"`);
      labels.add(key.label);
    }
    this.provider = provider;
    this.#slots = keys.map((key) => ({
      key: Object.freeze({ ...key }),
      score: 0,
      coolingUntil: 0,
      lastLimitedAt: Number.NEGATIVE_INFINITY,
      disabledAt: 0,
      disabledStatus: null,
      requests: 0,
      rateLimited: 0,
    }));
    this.#onEvent = onEvent;
  }

  get size(): number {
    return this.#slots.length;
  }

  /** The first key, whatever its state (a pool of one uses it regardless). */
  get first(): KeyLease {
    const slot = this.#slots[0] as KeySlot;
    return { label: slot.key.label, secret: slot.key.secret };
  }

  /** The key for the next attempt, skipping `exclude` (labels this request already tried); none: undefined. */
  choose(now: number, exclude?: ReadonlySet<string>): KeyLease | undefined {
    const free = this.#slots.filter(
      (slot) =>
        slot.disabledAt === 0 &&
        slot.coolingUntil <= now &&
        slot.key.weight > 0 &&
        !(exclude?.has(slot.key.label) ?? false),
    );
    if (free.length === 0) return undefined;
    const calm = free.filter((slot) => now - slot.lastLimitedAt > RECENTLY_LIMITED_MS);
    const group =
      calm.length > 0
        ? calm
        : // Every free key was limited recently: the one limited longest ago first.
          [free.reduce((oldest, slot) => (slot.lastLimitedAt < oldest.lastLimitedAt ? slot : oldest))];
    let total = 0;
    let best: KeySlot | undefined;
    for (const slot of group) {
      slot.score += slot.key.weight;
      total += slot.key.weight;
      if (!best || slot.score > best.score) best = slot;
    }
    const chosen = best as KeySlot;
    chosen.score -= total;
    chosen.requests++;
    return { label: chosen.key.label, secret: chosen.key.secret };
  }

  /** The upstream rate-limited the key: it rests for `retryAfterSeconds` (none: it only goes to the back). */
  rateLimited(label: string, retryAfterSeconds: number | undefined, now: number): KeyVerdict {
    const slot = this.#slot(label);
    if (!slot) return 'none';
    const coolMs =
      retryAfterSeconds === undefined
        ? 0
        : Math.min(MAX_KEY_COOLING_MS, Math.max(0, retryAfterSeconds * 1000));
    slot.coolingUntil = Math.max(slot.coolingUntil, now + coolMs);
    slot.lastLimitedAt = now;
    slot.rateLimited++;
    this.#onEvent({
      provider: this.provider,
      label,
      kind: 'cooled',
      status: 429,
      untilMs: slot.coolingUntil,
    });
    return 'cooled';
  }

  /** The upstream refused the key itself (401/403, revoked, billing off): it is out until enabled. */
  rejected(label: string, status: number | undefined, now: number): KeyVerdict {
    const slot = this.#slot(label);
    if (!slot) return 'none';
    if (slot.disabledAt === 0) {
      slot.disabledAt = now;
      slot.disabledStatus = status ?? null;
      this.#onEvent({ provider: this.provider, label, kind: 'disabled', status });
    }
    return 'disabled';
  }

  #slot(label: string): KeySlot | undefined {
    return this.#slots.find((candidate) => candidate.key.label === label);
  }

  /** Put a disabled key back (an operator fixed it). False when there is no such key. */
  enable(label: string): boolean {
    const slot = this.#slot(label);
    if (!slot) return false;
    const wasDisabled = slot.disabledAt !== 0;
    slot.disabledAt = 0;
    slot.disabledStatus = null;
    slot.coolingUntil = 0;
    if (wasDisabled) this.#onEvent({ provider: this.provider, label, kind: 'enabled' });
    return true;
  }

  /** The earliest time a key that is not out will be free again (`now` when one is free already). */
  nextFreeAt(now: number): number | undefined {
    let soonest: number | undefined;
    for (const slot of this.#slots) {
      if (slot.disabledAt !== 0 || slot.key.weight <= 0) continue;
      const at = Math.max(now, slot.coolingUntil);
      if (soonest === undefined || at < soonest) soonest = at;
    }
    return soonest;
  }

  status(now: number): KeyStatus[] {
    const iso = (ms: number) => (Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : null);
    return this.#slots.map((slot) => ({
      label: slot.key.label,
      weight: slot.key.weight,
      state: slot.disabledAt !== 0 ? 'disabled' : slot.coolingUntil > now ? 'cooling' : 'active',
      coolingUntil: slot.coolingUntil > now ? iso(slot.coolingUntil) : null,
      lastRateLimitedAt: iso(slot.lastLimitedAt),
      disabledAt: iso(slot.disabledAt),
      disabledStatus: slot.disabledStatus,
      requests: slot.requests,
      rateLimited: slot.rateLimited,
    }));
  }
}
