/**
 * The attempt log: every request the simulator served, bounded so a long soak cannot grow it without
 * limit, plus `waitFor` for tests that need to see an attempt end (an abort, a stall given up on).
 */
import type { SimulatorAttempt } from './types.ts';

/** Oldest entries are dropped in batches past this many, so trimming is not paid on every request. */
export const MAX_ATTEMPTS = 100_000;
const TRIM_BATCH = 1_000;

interface Waiter {
  readonly predicate: (attempt: SimulatorAttempt) => boolean;
  readonly resolve: (attempt: SimulatorAttempt) => void;
}

export class AttemptLog {
  /** Kept as one array for the handle's lifetime: `reset()` empties it in place. */
  readonly entries: SimulatorAttempt[] = [];
  readonly #enabled: boolean;
  readonly #limit: number;
  readonly #waiters = new Set<Waiter>();
  #seq = 0;

  constructor(enabled: boolean, limit = MAX_ATTEMPTS) {
    this.#enabled = enabled;
    this.#limit = limit;
  }

  nextSeq(): number {
    return ++this.#seq;
  }

  /** Records an attempt as it starts, so in-flight requests are visible too. */
  add(attempt: SimulatorAttempt): void {
    if (!this.#enabled) return;
    if (this.entries.length >= this.#limit) this.entries.splice(0, Math.min(TRIM_BATCH, this.entries.length));
    this.entries.push(attempt);
  }

  /** Called once per attempt when its response is over (finished, reset, or closed by the client). */
  ended(attempt: SimulatorAttempt): void {
    if (this.#waiters.size === 0) return;
    for (const waiter of this.#waiters) {
      if (waiter.predicate(attempt)) {
        this.#waiters.delete(waiter);
        waiter.resolve(attempt);
      }
    }
  }

  reset(): void {
    this.entries.length = 0;
  }

  waitFor(predicate: (attempt: SimulatorAttempt) => boolean, timeoutMs = 5_000): Promise<SimulatorAttempt> {
    const found = this.entries.find((attempt) => attempt.endedAt !== null && predicate(attempt));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`simulator: no matching attempt ended within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        predicate,
        resolve: (attempt) => {
          clearTimeout(timer);
          resolve(attempt);
        },
      };
      this.#waiters.add(waiter);
    });
  }
}
