/**
 * The SQLite store: one connection (connection.ts) shared by a part per concern. See
 * docs/decisions/010-store-sqlite.md for the durability settings.
 */
import type Database from 'better-sqlite3';
import { systemClock, type Clock } from '../common.ts';
import { composeStore, type Store, type StoreLifecycle } from '../store.ts';
import { sqliteAccounts } from './accounts.ts';
import { sqliteAudit } from './audit.ts';
import { sqliteConfiguration } from './configuration.ts';
import { SqliteConnection } from './connection.ts';
import { purgeExpiredIdempotency, sqliteIdempotency } from './idempotency.ts';
import { sqliteLedger } from './ledger.ts';
import { migrateSqlite } from './migrations.ts';
import { sqliteReporting } from './reporting.ts';

export interface SqliteStoreOptions {
  clock?: Clock;
}

export type SqliteStore = Store & {
  readonly dialect: 'sqlite';
  /** The underlying connection, for tests and operational checks (`PRAGMA integrity_check`). */
  readonly connection: Database.Database;
};

export function isSqliteStore(store: Store): store is SqliteStore {
  return store.dialect === 'sqlite' && 'connection' in store;
}

export function sqliteStore(db: Database.Database, options: SqliteStoreOptions = {}): SqliteStore {
  const connection = new SqliteConnection(db, options.clock ?? systemClock);
  const lifecycle: StoreLifecycle & { readonly dialect: 'sqlite' } = {
    dialect: 'sqlite',
    async migrate() {
      migrateSqlite(db, () => connection.now());
      purgeExpiredIdempotency(connection);
    },
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      connection.close();
    },
  };
  return composeStore(
    {
      lifecycle,
      accounts: sqliteAccounts(connection),
      ledger: sqliteLedger(connection),
      idempotency: sqliteIdempotency(connection),
      audit: sqliteAudit(connection),
      configuration: sqliteConfiguration(connection),
      reporting: sqliteReporting(connection),
    },
    { connection: db },
  ) as SqliteStore;
}
