/**
 * Account records (status, account-wide limits) for the hot path, re-read from the store at most every
 * `ttlMs`. The balance in a cached record may be stale: nothing that spends money trusts it (the hold
 * itself is the atomic check); billing reads the account afresh when it needs the balance to size a hold.
 */
import type { Account, Store } from '../store/types.ts';

interface Entry {
  account: Account | undefined;
  checkedAt: number;
}

export class AccountCache {
  readonly #store: Store;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<Account | undefined>>();

  constructor(store: Store, options: { ttlMs?: number; maxEntries?: number } = {}) {
    this.#store = store;
    this.#ttlMs = options.ttlMs ?? 2_000;
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  lookup(id: string): Account | undefined | Promise<Account | undefined> {
    const entry = this.#entries.get(id);
    if (entry && Date.now() - entry.checkedAt < this.#ttlMs) return entry.account;
    const pending = this.#inflight.get(id);
    if (pending) return pending;
    const promise = this.#store
      .getAccount(id)
      .then((account) => {
        if (this.#entries.size >= this.#maxEntries && !this.#entries.has(id)) {
          const oldest = this.#entries.keys().next();
          if (!oldest.done) this.#entries.delete(oldest.value);
        }
        this.#entries.set(id, { account, checkedAt: Date.now() });
        return account;
      })
      .finally(() => this.#inflight.delete(id));
    this.#inflight.set(id, promise);
    return promise;
  }

  /** Forget one account in this process (after a local status or limits change). */
  invalidate(id: string): void {
    this.#entries.delete(id);
  }
}
