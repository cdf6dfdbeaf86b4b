/**
 * The sliding-window arithmetic both backends share (the Redis script mirrors it in Lua).
 *
 * Usage is counted in one-second buckets. A bucket that starts at second `s` counts until the clock reaches
 * `s + RETENTION_SECONDS`, so every admission is counted for at least a full 60 s: whatever 60-second
 * window one picks, the admissions inside it were all counted by the last of them, and the total never
 * exceeds the limit (no burst allowance). See docs/decisions/030-limits-sliding-window.md.
 */

export const WINDOW_SECONDS = 60;
/** One second more than the window, because a bucket's start can be up to 1 s before its admission. */
export const RETENTION_SECONDS = WINDOW_SECONDS + 1;
/** Returned by `waitUntilFits` when the amount is larger than the limit itself. */
export const NEVER = -1;

export interface Bucket {
  second: number;
  amount: number;
}

/**
 * Milliseconds from `nowMs` until `amount` more fits under `limit`, given the live buckets (any order) whose
 * sum is `used`: 0 when it fits now, NEVER when it can never fit.
 */
export function waitUntilFits(
  buckets: ReadonlyArray<Bucket>,
  used: number,
  amount: number,
  limit: number,
  nowMs: number,
): number {
  if (used + amount <= limit) return 0;
  if (amount > limit) return NEVER;
  let remaining = used;
  const oldestFirst = [...buckets].sort((left, right) => left.second - right.second);
  for (const bucket of oldestFirst) {
    remaining -= bucket.amount;
    if (remaining + amount <= limit) return Math.max(1, (bucket.second + RETENTION_SECONDS) * 1000 - nowMs);
  }
  return NEVER;
}

/** Milliseconds until the newest bucket (or the second `newestSecond`) stops counting; 0 when empty. */
export function untilEmptyMs(newestSecond: number | null, nowMs: number): number {
  if (newestSecond === null) return 0;
  return Math.max(0, (newestSecond + RETENTION_SECONDS) * 1000 - nowMs);
}

interface SecondUsage {
  second: number;
  requests: number;
  tokens: number;
}

/** One subject's usage in memory: at most RETENTION_SECONDS + 1 buckets, oldest first. */
export class SecondBuckets {
  readonly #buckets: SecondUsage[] = [];

  /** Drops the buckets that no longer count at `nowSecond`. */
  prune(nowSecond: number): void {
    let stale = 0;
    while (stale < this.#buckets.length && nowSecond - this.#buckets[stale]!.second >= RETENTION_SECONDS)
      stale++;
    if (stale > 0) this.#buckets.splice(0, stale);
  }

  clear(): void {
    this.#buckets.length = 0;
  }

  get isEmpty(): boolean {
    return this.#buckets.length === 0;
  }

  total(axis: 'requests' | 'tokens'): number {
    let sum = 0;
    for (const bucket of this.#buckets) sum += bucket[axis];
    return sum;
  }

  list(axis: 'requests' | 'tokens'): Bucket[] {
    return this.#buckets.map((bucket) => ({ second: bucket.second, amount: bucket[axis] }));
  }

  newestSecond(axis: 'requests' | 'tokens'): number | null {
    for (let index = this.#buckets.length - 1; index >= 0; index--) {
      const bucket = this.#buckets[index]!;
      if (bucket[axis] > 0) return bucket.second;
    }
    return null;
  }

  add(second: number, requests: number, tokens: number): void {
    const last = this.#buckets.at(-1);
    if (last && last.second === second) {
      last.requests += requests;
      last.tokens += tokens;
    } else if (!last || last.second < second) {
      this.#buckets.push({ second, requests, tokens });
    } else {
      // A clock that stepped back: charge the newest bucket rather than reorder history.
      last.requests += requests;
      last.tokens += tokens;
    }
  }

  /**
   * Corrects the tokens charged in bucket `second` by `delta`, never below zero. When that bucket has
   * already expired, a refund is moot and an extra charge lands in the current second.
   */
  correctTokens(second: number, delta: number, nowSecond: number): void {
    this.prune(nowSecond);
    const bucket = this.#buckets.find((candidate) => candidate.second === second);
    if (bucket) bucket.tokens = Math.max(0, bucket.tokens + delta);
    else if (delta > 0) this.add(nowSecond, 0, delta);
  }
}
