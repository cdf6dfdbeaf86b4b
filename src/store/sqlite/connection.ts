/**
 * The one SQLite connection every concern of the SQLite store shares. better-sqlite3 is synchronous,
 * so every method runs to completion without yielding: no two of our transactions can interleave in
 * this process. Every write that touches more than one row runs inside `BEGIN IMMEDIATE`
 * (better-sqlite3's `.immediate()`), which takes the database write lock up front, so writers in other
 * processes queue on `busy_timeout` instead of failing with SQLITE_BUSY on a read-to-write upgrade.
 * Kysely only builds the SQL here (`compile()`); the hot writes are hand-written prepared statements.
 */
import type Database from 'better-sqlite3';
import {
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Compilable,
} from 'kysely';
import { ID_PREFIX, newId, type Clock } from '../common.ts';
import type { StoreDatabase } from '../schema.ts';

const STATEMENT_CACHE_LIMIT = 256;

interface PendingWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** A Kysely that only compiles SQLite SQL; it never opens a connection. */
function compileOnlyKysely(): Kysely<StoreDatabase> {
  return new Kysely<StoreDatabase>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });
}

export class SqliteConnection {
  readonly db: Database.Database;
  readonly kysely = compileOnlyKysely();
  readonly #clock: Clock;
  readonly #statements = new Map<string, Database.Statement>();
  /** Hot-path writes waiting for the next group commit (see `enqueue`). */
  #pending: PendingWrite[] = [];
  #flushScheduled = false;
  #batch: Database.Transaction<(body: () => void) => void> | undefined;
  #closed = false;

  constructor(db: Database.Database, clock: Clock) {
    this.db = db;
    this.#clock = clock;
  }

  clock(): Date {
    return this.#clock();
  }

  now(): string {
    return this.#clock().toISOString();
  }

  /** A prepared statement for `text`, cached (bounded) so repeated queries skip the parse. */
  prepare(text: string): Database.Statement {
    let statement = this.#statements.get(text);
    if (!statement) {
      if (this.#statements.size >= STATEMENT_CACHE_LIMIT) this.#statements.clear();
      statement = this.db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  all<T>(query: Compilable<T>): T[] {
    const compiled = query.compile();
    return this.prepare(compiled.sql).all(...compiled.parameters) as T[];
  }

  first<T>(query: Compilable<T>): T | undefined {
    const compiled = query.compile();
    return this.prepare(compiled.sql).get(...compiled.parameters) as T | undefined;
  }

  run(query: Compilable): Database.RunResult {
    const compiled = query.compile();
    return this.prepare(compiled.sql).run(...compiled.parameters);
  }

  immediate<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  /** One audit row, inside whatever transaction the caller is in. */
  audit(actor: string, action: string, target: string, detail: Record<string, unknown>, now: string): void {
    this.run(
      this.kysely.insertInto('audit').values({
        id: newId(ID_PREFIX.audit),
        actor,
        action,
        target,
        detail: JSON.stringify(detail),
        created_at: now,
      }),
    );
  }

  /**
   * Group commit: holds and settles that arrive in the same turn of the event loop are written in one
   * BEGIN IMMEDIATE transaction, each inside its own savepoint (a nested better-sqlite3 transaction), so
   * one failing write rolls back alone. No caller learns its result before the batch has committed, so
   * durability is exactly that of one transaction per write; the commit cost is shared.
   */
  enqueue<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    if (this.#closed) {
      for (const write of batch) write.reject(new Error('the store is closed'));
      return;
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.#batchTransaction().immediate(() => {
        for (const write of batch) {
          try {
            outcomes.push({ ok: true, value: write.run() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The commit itself failed (for example the database stayed locked past busy_timeout): nothing
      // of this batch was written, and every caller hears so.
      for (const write of batch) write.reject(error);
      return;
    }
    batch.forEach((write, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) write.resolve(outcome.value);
      else write.reject(outcome?.error);
    });
  }

  #batchTransaction(): Database.Transaction<(body: () => void) => void> {
    this.#batch ??= this.db.transaction((body: () => void) => body());
    return this.#batch;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Writes queued for the group commit go in first; then the connection closes. */
  close(): void {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    this.#statements.clear();
    this.#batch = undefined;
    this.db.close();
  }
}
