/**
 * Settles that could not be written (the database was unavailable: RELIABILITY F9) wait here and are
 * retried with backoff until the database takes them, so a completed attempt's charge is never lost
 * while the process lives. The hold stays open in the database meanwhile, so the balance can never be
 * overspent; if the process dies first, start-up recovery settles the hold instead.
 */
import type { Logger } from 'pino';
import type { SettleInput, Store } from '../store/types.ts';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

interface Pending {
  input: SettleInput;
  done: () => void;
}

export class SettleJournal {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #delayMs = FIRST_RETRY_MS;
  #closed = false;

  constructor(store: Store, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  get size(): number {
    return this.#pending.length;
  }

  /** Keep `input` until the store accepts it; `done` runs once it is written. */
  add(input: SettleInput, done: () => void): void {
    this.#pending.push({ input, done });
    this.#logger.warn(
      { requestId: input.requestId, attempt: input.attempt, pending: this.#pending.length },
      'settle deferred: the database is unavailable; retrying',
    );
    this.#schedule();
  }

  /** Try every pending settle now; resolves with how many are still pending. */
  async flush(): Promise<number> {
    while (this.#pending.length > 0) {
      const next = this.#pending[0] as Pending;
      try {
        await this.#store.settle(next.input);
      } catch {
        return this.#pending.length;
      }
      this.#pending.shift();
      next.done();
    }
    this.#delayMs = FIRST_RETRY_MS;
    return 0;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush().then((left) => {
        if (left === 0) {
          this.#logger.info('deferred settles written');
          return;
        }
        this.#delayMs = Math.min(MAX_RETRY_MS, this.#delayMs * 2);
        this.#schedule();
      });
    }, this.#delayMs);
    this.#timer.unref();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
