/**
 * One request's walk through its plan (plan.ts): which target to try next and how long to wait first.
 * Untried targets that are ready go first, without waiting (another deployment is the cheapest retry).
 * When none is left, a target may be tried again if its last failure allows it (retry-policy.ts), after
 * a jittered backoff and never inside its Retry-After window, as long as the request's budget of
 * attempts and total wait allows.
 */
import type { AttemptTarget } from './plan.ts';
import type { DeploymentHealth } from './deployment-health.ts';
import { backoffMs, type RetryPolicy, type RetryScope } from './retry-policy.ts';

export interface NextAttempt {
  readonly target: AttemptTarget;
  readonly waitMs: number;
}

interface Slot {
  readonly target: AttemptTarget;
  tries: number;
  scope: RetryScope;
  /** Earliest time a retry of this target may start (its backoff). */
  retryAt: number;
}

export class AttemptRouter {
  readonly #slots: Slot[];
  readonly #health: DeploymentHealth;
  readonly #policy: RetryPolicy;
  readonly #random: () => number;
  #attempts = 0;
  #waitedMs = 0;

  constructor(
    targets: readonly AttemptTarget[],
    health: DeploymentHealth,
    policy: RetryPolicy,
    random = Math.random,
  ) {
    this.#slots = targets.map((target) => ({ target, tries: 0, scope: 'same', retryAt: 0 }));
    this.#health = health;
    this.#policy = policy;
    this.#random = random;
  }

  get attempts(): number {
    return this.#attempts;
  }

  /** The next target, or undefined when the targets or the budget ran out. Counts the attempt. */
  next(now: number): NextAttempt | undefined {
    if (this.#attempts >= this.#policy.maxAttempts) return undefined;
    for (const slot of this.#slots) {
      if (slot.tries > 0 || this.#health.coolingUntil(slot.target.label) > now) continue;
      if (!this.#admit(slot, now)) continue;
      return this.#take(slot, 0);
    }
    const remaining = this.#policy.maxWaitMs - this.#waitedMs;
    let best: { slot: Slot; readyAt: number } | undefined;
    for (const slot of this.#slots) {
      if (slot.tries > 0 && slot.scope !== 'same') continue;
      const readyAt = Math.max(now, slot.retryAt, this.#health.coolingUntil(slot.target.label));
      if (readyAt - now > remaining) continue;
      if (!slot.target.forced && this.#health.snapshot(slot.target.label, readyAt).breaker === 'open')
        continue;
      if (!best || readyAt < best.readyAt) best = { slot, readyAt };
    }
    if (!best || !this.#admit(best.slot, best.readyAt)) return undefined;
    return this.#take(best.slot, best.readyAt - now);
  }

  /** Record how the last attempt on `target` failed. */
  failed(target: AttemptTarget, scope: RetryScope, now: number): void {
    const slot = this.#slots.find((candidate) => candidate.target === target);
    if (!slot) return;
    slot.scope = scope;
    slot.retryAt = now + backoffMs(this.#policy, slot.tries, this.#random);
  }

  /**
   * When nothing was tried because every target is cooling down: the status the upstream asked us to
   * back off with, and how many seconds are left.
   */
  cooling(now: number): { status: number; retryAfterSeconds: number } | undefined {
    let soonest: { label: string; until: number } | undefined;
    for (const slot of this.#slots) {
      const until = this.#health.coolingUntil(slot.target.label);
      if (until > now && (!soonest || until < soonest.until)) soonest = { label: slot.target.label, until };
    }
    if (!soonest) return undefined;
    return {
      status: this.#health.coolingStatus(soonest.label),
      retryAfterSeconds: Math.ceil((soonest.until - now) / 1000),
    };
  }

  #admit(slot: Slot, now: number): boolean {
    return this.#health.tryAcquire(slot.target.label, now) || slot.target.forced;
  }

  #take(slot: Slot, waitMs: number): NextAttempt {
    slot.tries++;
    this.#attempts++;
    this.#waitedMs += waitMs;
    return { target: slot.target, waitMs };
  }
}
