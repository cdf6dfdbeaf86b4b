/**
 * Sign-in throttling (DASHBOARD.md §3 "Abuse"): failed sign-ins are counted per client IP and per key
 * prefix over a sliding minute; past the limit every attempt from that IP or for that prefix gets 429
 * until the window slides. Successful sign-ins do not count, so an office behind one IP is not locked
 * out by its own colleagues. In memory: a restart forgets, and each process counts for itself.
 */
export interface SignInLimits {
  failuresPerWindow: number;
  windowMs: number;
  /** Buckets kept at most; the oldest go first. */
  maxBuckets: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  failuresPerWindow: 5,
  windowMs: 60_000,
  maxBuckets: 50_000,
};

export class SignInLimiter {
  readonly #failures = new Map<string, number[]>();
  readonly #limits: SignInLimits;
  readonly #now: () => number;

  constructor(limits: Partial<SignInLimits> = {}, now: () => number = Date.now) {
    this.#limits = { ...DEFAULT_SIGN_IN_LIMITS, ...limits };
    this.#now = now;
  }

  #recent(bucket: string): number[] {
    const since = this.#now() - this.#limits.windowMs;
    const times = (this.#failures.get(bucket) ?? []).filter((time) => time > since);
    if (times.length === 0) this.#failures.delete(bucket);
    else this.#failures.set(bucket, times);
    return times;
  }

  /** True when any of these buckets has used up its failures in the window. */
  blocked(buckets: readonly string[]): boolean {
    return buckets.some((bucket) => this.#recent(bucket).length >= this.#limits.failuresPerWindow);
  }

  fail(buckets: readonly string[]): void {
    for (const bucket of buckets) {
      const times = this.#recent(bucket);
      times.push(this.#now());
      this.#failures.delete(bucket);
      this.#failures.set(bucket, times);
      while (this.#failures.size > this.#limits.maxBuckets) {
        const oldest = this.#failures.keys().next().value;
        if (oldest === undefined) break;
        this.#failures.delete(oldest);
      }
    }
  }
}
