/**
 * The store back-ends the contract suite runs against. Each `open()` gives a fresh, migrated, empty
 * store and a cleanup that removes whatever it created.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/store/common.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import type { Store } from '../../src/store/types.ts';

export interface OpenedStore {
  store: Store;
  /** The SQLite file, for back-ends that have one (multi-process tests). */
  file?: string;
  cleanup(): Promise<void>;
}

export interface Backend {
  name: string;
  /** A reason to skip the suite, or undefined to run it. */
  skip: string | undefined;
  /** Whether several OS processes can share this back-end (file-backed SQLite, PostgreSQL). */
  shared: boolean;
  open(options?: { clock?: Clock }): Promise<OpenedStore>;
}

const sqliteMemory: Backend = {
  name: 'sqlite (memory)',
  skip: undefined,
  shared: false,
  async open(options = {}) {
    const store = await createSqliteStore('sqlite::memory:', { clock: options.clock });
    await store.migrate();
    return { store, cleanup: () => store.close() };
  },
};

const sqliteFile: Backend = {
  name: 'sqlite (file)',
  skip: undefined,
  shared: true,
  async open(options = {}) {
    const directory = mkdtempSync(join(tmpdir(), 'portico-store-'));
    // A directory that does not exist yet: the store creates it.
    const file = join(directory, 'nested', 'portico.db');
    const store = await createSqliteStore(`sqlite:${file}`, { clock: options.clock });
    await store.migrate();
    return {
      store,
      file,
      async cleanup() {
        await store.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  },
};

export const BACKENDS: readonly Backend[] = [sqliteMemory, sqliteFile];
