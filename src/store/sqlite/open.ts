/**
 * Opening the SQLite database: URL -> file, parent directory, PRAGMAs. See
 * docs/decisions/010-store-sqlite.md for why WAL + synchronous=NORMAL is the default.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteSynchronous = 'NORMAL' | 'FULL';

export interface SqliteOpenOptions {
  /**
   * `NORMAL` (default): a commit survives a killed process, but the last commits may be lost on power
   * loss or an OS crash (the database stays consistent). `FULL`: fsync on every commit.
   */
  synchronous?: SqliteSynchronous;
  /** How long a writer waits for another process's write lock before failing. */
  busyTimeoutMs?: number;
}

export const MEMORY = ':memory:';

/** `sqlite:./data/portico.db`, `sqlite::memory:`, `sqlite:///abs/path.db` or a plain path -> a filename. */
export function sqliteFilename(url: string): string {
  let rest = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  if (rest.startsWith('//')) rest = rest.slice(2);
  if (rest === '' || rest === MEMORY) return MEMORY;
  return rest;
}

export function openSqlite(filename: string, options: SqliteOpenOptions = {}): Database.Database {
  if (filename !== MEMORY) mkdirSync(dirname(filename), { recursive: true });
  const db = new Database(filename);
  // busy_timeout first: switching to WAL itself needs a lock another process may hold.
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
  if (filename !== MEMORY) db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  return db;
}
