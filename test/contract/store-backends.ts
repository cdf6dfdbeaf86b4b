/**
 * The store back-ends the contract suite runs against. Each `open()` gives a fresh, migrated, empty
 * store and a cleanup that removes whatever it created (temporary files, the test's own schema).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Clock } from '../../src/store/common.ts';
import { createPostgresStore } from '../../src/store/postgres/index.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import type { Store } from '../../src/store/types.ts';
import { postgres as postgresService } from '../helpers/requirements.ts';

/** Where other processes can open the same database (file-backed SQLite, PostgreSQL). */
export interface SharedLocation {
  url: string;
  schema?: string;
}

export interface OpenedStore {
  store: Store;
  shared?: SharedLocation;
  cleanup(): Promise<void>;
}

export interface Backend {
  name: string;
  /** A reason to skip the suite's tests, or false to run them. */
  skip: string | false;
  open(options?: { clock?: Clock }): Promise<OpenedStore>;
}

const sqliteMemory: Backend = {
  name: 'sqlite (memory)',
  skip: false,
  async open(options = {}) {
    const store = await createSqliteStore('sqlite::memory:', { clock: options.clock });
    await store.migrate();
    return { store, cleanup: () => store.close() };
  },
};

const sqliteFile: Backend = {
  name: 'sqlite (file)',
  skip: false,
  async open(options = {}) {
    const directory = mkdtempSync(join(tmpdir(), 'portico-store-'));
    // A directory that does not exist yet: the store creates it.
    const file = join(directory, 'nested', 'portico.db');
    const store = await createSqliteStore(`sqlite:${file}`, { clock: options.clock });
    await store.migrate();
    return {
      store,
      shared: { url: `sqlite:${file}` },
      async cleanup() {
        await store.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  },
};

const { url: POSTGRES_URL, skip: postgresSkip } = await postgresService();

const postgres: Backend = {
  name: 'postgres',
  skip: postgresSkip,
  async open(options = {}) {
    const url = POSTGRES_URL ?? '';
    const schema = `portico_test_${randomBytes(6).toString('hex')}`;
    // A pool slot may take more than the production 1 s to free up on a loaded machine: the contract is
    // about money and races, and failing fast on a dead database is tested end to end (database-down).
    const store = await createPostgresStore(url, { schema, clock: options.clock, connectTimeoutMs: 10_000 });
    await store.migrate();
    return {
      store,
      shared: { url, schema },
      async cleanup() {
        await store.close();
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await client.end();
        }
      },
    };
  },
};

export const BACKENDS: readonly Backend[] = [sqliteMemory, sqliteFile, postgres];
