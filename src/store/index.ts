/** `createStore(databaseUrl)`: the store for a URL's scheme. */
import { createSqliteStore } from './sqlite/index.ts';
import type { Store } from './types.ts';

export function isPostgresUrl(databaseUrl: string): boolean {
  return /^postgres(ql)?:\/\//i.test(databaseUrl);
}

export async function createStore(databaseUrl: string): Promise<Store> {
  if (isPostgresUrl(databaseUrl)) throw new Error('PostgreSQL store arrives with scale-out (issue 6)');
  return createSqliteStore(databaseUrl);
}

export * from './errors.ts';
export type * from './types.ts';
