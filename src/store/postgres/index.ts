/** `createPostgresStore(url)`: a pooled PostgreSQL store; call `migrate()` before use. */
import { postgresStore, type PostgresStore, type PostgresStoreOptions } from './postgres-store.ts';

export async function createPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<PostgresStore> {
  return postgresStore(url, options);
}

export { postgresStore, type PostgresStore, type PostgresStoreOptions } from './postgres-store.ts';
