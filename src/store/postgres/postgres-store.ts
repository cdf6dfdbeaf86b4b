/** The PostgreSQL store: one pool (connection.ts) shared by a part per concern. */
import { sql } from 'kysely';
import { systemClock } from '../common.ts';
import { composeStore, type Store, type StoreLifecycle } from '../store.ts';
import { postgresAccounts } from './accounts.ts';
import { postgresAudit } from './audit.ts';
import { postgresConfiguration } from './configuration.ts';
import { PostgresConnection, type PostgresStoreOptions } from './connection.ts';
import { postgresIdempotency } from './idempotency.ts';
import { postgresLedger } from './ledger.ts';
import { MIGRATION_LOCK_KEY, POSTGRES_MIGRATIONS } from './migrations.ts';
import { postgresReporting } from './reporting.ts';

export type { PostgresStoreOptions } from './connection.ts';

export type PostgresStore = Store & { readonly dialect: 'postgres' };

function postgresLifecycle(
  connection: PostgresConnection,
): StoreLifecycle & { readonly dialect: 'postgres' } {
  const { db, schema } = connection;
  return {
    dialect: 'postgres',
    async migrate() {
      await db.transaction().execute(async (tx) => {
        await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(tx);
        if (schema) await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(tx);
        await sql`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`.execute(
          tx,
        );
        const done = new Set(
          (await tx.selectFrom('schema_migrations').select('name').execute()).map((row) => row.name),
        );
        for (const migration of POSTGRES_MIGRATIONS) {
          if (done.has(migration.name)) continue;
          await sql.raw(migration.sql).execute(tx);
          await tx
            .insertInto('schema_migrations')
            .values({ name: migration.name, applied_at: connection.now() })
            .execute();
        }
      });
      await db.deleteFrom('idempotency').where('expires_at', '<=', connection.now()).execute();
    },
    async ping() {
      await sql`SELECT 1`.execute(db);
    },
    close: () => connection.close(),
  };
}

export function postgresStore(url: string, options: PostgresStoreOptions = {}): PostgresStore {
  const connection = new PostgresConnection(url, options, options.clock ?? systemClock);
  return composeStore(
    {
      lifecycle: postgresLifecycle(connection),
      accounts: postgresAccounts(connection),
      ledger: postgresLedger(connection),
      idempotency: postgresIdempotency(connection),
      audit: postgresAudit(connection),
      configuration: postgresConfiguration(connection),
      reporting: postgresReporting(connection),
    },
    {},
  ) as PostgresStore;
}
