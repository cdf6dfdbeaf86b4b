/** `createStore(databaseUrl)`: the store for a URL's scheme. */
import { createPostgresStore } from './postgres/index.ts';
import { createSqliteStore } from './sqlite/index.ts';
import type { Store } from './types.ts';

export function isPostgresUrl(databaseUrl: string): boolean {
  return /^postgres(ql)?:\/\//i.test(databaseUrl);
}

/** `postgres://` / `postgresql://` -> PostgreSQL; `sqlite:...`, `sqlite::memory:` or a plain path -> SQLite. */
export async function createStore(databaseUrl: string): Promise<Store> {
  if (isPostgresUrl(databaseUrl)) return createPostgresStore(databaseUrl);
  return createSqliteStore(databaseUrl);
}

export * from './errors.ts';
export type * from './types.ts';
