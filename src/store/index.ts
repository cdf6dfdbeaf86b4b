/** `createStore(databaseUrl)`: the store for a URL's scheme. */
import { createSqliteStore } from './sqlite/index.ts';
import type { Store } from './types.ts';

export function isPostgresUrl(databaseUrl: string): boolean {
  return /^postgres(ql)?:\/\//i.test(databaseUrl);
}

/** `postgres://` / `postgresql://` -> PostgreSQL; `sqlite:...`, `sqlite::memory:` or a plain path -> SQLite. */
export async function createStore(databaseUrl: string): Promise<Store> {
  if (isPostgresUrl(databaseUrl)) {
    // Loaded only when configured: pg and the PostgreSQL store stay out of a SQLite process's memory.
    const { createPostgresStore } = await import('./postgres/index.ts');
    return createPostgresStore(databaseUrl);
  }
  return createSqliteStore(databaseUrl);
}

export * from './errors.ts';
export type * from './types.ts';
