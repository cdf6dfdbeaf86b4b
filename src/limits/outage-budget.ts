/**
 * Careful accounting while Redis is away (issue 17, Medium 10). The fallback share (limit / instances)
 * alone over-admits: the instances' recent usage differs, and an admission whose command timed out may
 * still have run in Redis. So each instance remembers, per subject, the cluster-wide usage of the current
 * window as Redis last reported it, counts every admission whose outcome it does not know as used, and
 * while degraded admits, in the window the outage began, at most its share of what was still free then:
 * floor((limit - used) / instances). A fresh window gives the plain share again. The cluster then admits
 * at most the limit plus what the instances could not see of each other's last moments (fewer than one
 * request per instance in practice), instead of up to `instances` shares on top of a full window.
 */
import { WINDOW_SECONDS } from './sliding-window.ts';

const WINDOW_MS = WINDOW_SECONDS * 1000;
/** Subjects remembered at most; the oldest go first. */
const MAX_SUBJECTS = 50_000;

interface Seen {
  requests: number;
  tokens: number;
  /** When the window this usage belongs to ends (the usage is stale after it). */
  windowEndsAt: number;
}

interface Budget {
  requests: number | null;
  tokens: number | null;
  endsAt: number;
}

export interface BudgetLimits {
  readonly rpm: number | null;
  readonly tpm: number | null;
}

export class OutageBudget {
  readonly #instances: number;
  readonly #now: () => number;
  readonly #seen = new Map<string, Seen>();
  readonly #budgets = new Map<string, Budget>();

  constructor(instances: number, now: () => number = Date.now) {
    this.#instances = Math.max(1, instances);
    this.#now = now;
  }

  #remember<T>(map: Map<string, T>, id: string, value: T): void {
    map.delete(id);
    map.set(id, value);
    if (map.size > MAX_SUBJECTS) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
  }

  /** Cluster-wide usage Redis reported for a subject (after this admission, when it was admitted). */
  observe(id: string, requests: number, tokens: number): void {
    this.#remember(this.#seen, id, { requests, tokens, windowEndsAt: this.#now() + WINDOW_MS });
  }

  /** An admission whose command failed: it may have run in Redis, so it counts as used. */
  inDoubt(id: string, tokens: number): void {
    const seen = this.#fresh(id);
    this.#remember(this.#seen, id, {
      requests: (seen?.requests ?? 0) + 1,
      tokens: (seen?.tokens ?? 0) + tokens,
      windowEndsAt: seen?.windowEndsAt ?? this.#now() + WINDOW_MS,
    });
  }

  #fresh(id: string): Seen | undefined {
    const seen = this.#seen.get(id);
    return seen && seen.windowEndsAt > this.#now() ? seen : undefined;
  }

  #budget(id: string, limits: BudgetLimits): Budget {
    const now = this.#now();
    const current = this.#budgets.get(id);
    if (current && current.endsAt > now) return current;
    const seen = current ? undefined : this.#fresh(id);
    const share = (limit: number | null, used: number) =>
      limit === null ? null : Math.floor(Math.max(0, limit - used) / this.#instances);
    const budget: Budget = {
      requests: share(limits.rpm, seen?.requests ?? 0),
      tokens: share(limits.tpm, seen?.tokens ?? 0),
      endsAt: now + WINDOW_MS,
    };
    this.#remember(this.#budgets, id, budget);
    return budget;
  }

  /**
   * Takes one request (and its tokens) from every subject's outage budget, or none when one of them is
   * spent; returns the milliseconds until the budget that refused renews.
   */
  take(
    subjects: ReadonlyArray<{ id: string; limits: BudgetLimits }>,
    tokens: number,
  ): { waitMs: number } | undefined {
    const budgets = subjects.map(({ id, limits }) => this.#budget(id, limits));
    for (const budget of budgets) {
      const short =
        (budget.requests !== null && budget.requests < 1) ||
        (budget.tokens !== null && budget.tokens < tokens);
      if (short) return { waitMs: Math.max(0, budget.endsAt - this.#now()) };
    }
    for (const budget of budgets) {
      if (budget.requests !== null) budget.requests -= 1;
      if (budget.tokens !== null) budget.tokens -= tokens;
    }
    return undefined;
  }

  /** Redis is back: the next outage starts from what Redis says then. */
  reset(): void {
    this.#budgets.clear();
  }
}
