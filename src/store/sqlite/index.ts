/** `createSqliteStore(url)`: open (creating the directory), set PRAGMAs; call `migrate()` before use. */
import type { Clock } from '../common.ts';
import { openSqlite, sqliteFilename, type SqliteOpenOptions } from './open.ts';
import { sqliteStore, type SqliteStore } from './sqlite-store.ts';

export interface SqliteStoreCreateOptions extends SqliteOpenOptions {
  /** Time source for every timestamp the store writes (tests move it to expire idempotency keys). */
  clock?: Clock;
}

export async function createSqliteStore(
  url: string,
  options: SqliteStoreCreateOptions = {},
): Promise<SqliteStore> {
  const db = openSqlite(sqliteFilename(url), options);
  return sqliteStore(db, { clock: options.clock });
}

export { isSqliteStore, sqliteStore, type SqliteStore } from './sqlite-store.ts';
export { sqliteFilename } from './open.ts';
