/**
 * The PostgreSQL pool every concern of the PostgreSQL store shares (scale-out: many Portico processes,
 * one database). Writes are Kysely transactions at READ COMMITTED, made safe by construction rather
 * than by isolation level (see ledger.ts and idempotency.ts for how).
 */
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { ID_PREFIX, newId, type Clock } from '../common.ts';
import type { StoreDatabase } from '../schema.ts';

export type Tx = Transaction<StoreDatabase>;

export interface PostgresStoreOptions {
  /** Schema for every table (created by `migrate()`); default: the server's search_path. */
  schema?: string;
  clock?: Clock;
  /** Connection pool size. */
  maxConnections?: number;
  /** How long to wait for a new connection before failing (default 1 s). */
  connectTimeoutMs?: number;
  /** Client-side limit on one query (default 10 s). */
  queryTimeoutMs?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === UNIQUE_VIOLATION
  );
}

export class PostgresConnection {
  readonly db: Kysely<StoreDatabase>;
  readonly schema: string | undefined;
  readonly #clock: Clock;
  #closed = false;

  constructor(url: string, options: PostgresStoreOptions, clock: Clock) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new Error(`Invalid PostgreSQL schema name '${options.schema}'`);
    }
    this.schema = options.schema;
    this.#clock = clock;
    const pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 10,
      // Fail closed fast when the database is unreachable (RELIABILITY F9): a paid request must get its
      // 503 within about a second, not wait for TCP timeouts.
      connectionTimeoutMillis: options.connectTimeoutMs ?? 1_000,
      query_timeout: options.queryTimeoutMs ?? 10_000,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    // An idle pooled connection that dies (database restart, network cut) emits 'error' on the pool;
    // without a listener that would crash the process. The next query simply opens a new connection.
    pool.on('error', () => undefined);
    // The same for a connection that dies while checked out: its query rejects (and becomes a 503), but
    // the client's own 'error' event must not go unheard.
    pool.on('connect', (client) => client.on('error', () => undefined));
    this.db = new Kysely<StoreDatabase>({ dialect: new PostgresDialect({ pool }) });
  }

  clock(): Date {
    return this.#clock();
  }

  now(): string {
    return this.#clock().toISOString();
  }

  /** One audit row, inside the caller's transaction. */
  async audit(
    tx: Tx,
    actor: string,
    action: string,
    target: string,
    detail: Record<string, unknown>,
    now: string,
  ): Promise<void> {
    await tx
      .insertInto('audit')
      .values({
        id: newId(ID_PREFIX.audit),
        actor,
        action,
        target,
        detail: JSON.stringify(detail),
        created_at: now,
      })
      .execute();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.db.destroy();
  }
}
