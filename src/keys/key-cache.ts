/**
 * The hot-path key lookup: hash -> key record, in memory. A hit never reads the database; an entry is
 * re-validated after `ttlMs`, and a poller applies changes (revocations, allow-list edits) made by any
 * process, so a revocation takes effect within `ttlMs` everywhere. Unknown hashes are cached briefly
 * too, so a flood of random keys cannot turn into a flood of database reads.
 */
import type { ApiKeyRecord, Store } from '../store/types.ts';

interface Entry {
  record: ApiKeyRecord | undefined;
  checkedAt: number;
}

export interface KeyCacheOptions {
  ttlMs?: number;
  negativeTtlMs?: number;
  maxEntries?: number;
}

export class KeyCache {
  readonly #store: Store;
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<ApiKeyRecord | undefined>>();
  readonly #ttlMs: number;
  readonly #negativeTtlMs: number;
  readonly #maxEntries: number;

  constructor(store: Store, options: KeyCacheOptions = {}) {
    this.#store = store;
    this.#ttlMs = options.ttlMs ?? 2_000;
    this.#negativeTtlMs = options.negativeTtlMs ?? 1_000;
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  /** The key record for a hash, from memory when fresh. */
  lookup(hash: string): ApiKeyRecord | undefined | Promise<ApiKeyRecord | undefined> {
    const entry = this.#entries.get(hash);
    const now = Date.now();
    if (entry && now - entry.checkedAt < (entry.record ? this.#ttlMs : this.#negativeTtlMs))
      return entry.record;
    return this.#refresh(hash);
  }

  #refresh(hash: string): Promise<ApiKeyRecord | undefined> {
    const pending = this.#inflight.get(hash);
    if (pending) return pending;
    const promise = this.#store
      .findKeyByHash(hash)
      .then((record) => {
        this.set(hash, record);
        return record;
      })
      .finally(() => this.#inflight.delete(hash));
    this.#inflight.set(hash, promise);
    return promise;
  }

  set(hash: string, record: ApiKeyRecord | undefined): void {
    if (this.#entries.size >= this.#maxEntries && !this.#entries.has(hash)) {
      // Drop the oldest entry (Map keeps insertion order).
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.delete(hash);
    this.#entries.set(hash, { record, checkedAt: Date.now() });
  }

  /** Forget one key everywhere in this process (after a local revoke or edit). */
  invalidate(hash: string): void {
    this.#entries.delete(hash);
  }

  get size(): number {
    return this.#entries.size;
  }
}
