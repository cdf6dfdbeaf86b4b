/** `createPostgresStore(url)`: a pooled PostgreSQL store; call `migrate()` before use. */
import { PostgresStore, type PostgresStoreOptions } from './postgres-store.ts';

export async function createPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<PostgresStore> {
  return new PostgresStore(url, options);
}

export { PostgresStore, type PostgresStoreOptions } from './postgres-store.ts';
