/**
 * The SQLite store. better-sqlite3 is synchronous, so every method runs to completion on the one
 * connection without yielding: no two of our transactions can interleave in this process. Every write
 * that touches more than one row runs inside `BEGIN IMMEDIATE` (better-sqlite3's `.immediate()`), which
 * takes the database write lock up front, so writers in other processes queue on `busy_timeout`
 * instead of failing with SQLITE_BUSY on a read-to-write upgrade. Kysely only builds the SQL here
 * (`compile()`); the hot writes (hold, settle) are hand-written prepared statements.
 */
import type Database from 'better-sqlite3';
import {
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Compilable,
  type Selectable,
} from 'kysely';
import {
  ID_PREFIX,
  assertMicros,
  decideIdempotency,
  idempotencyExpiry,
  keyAuditDetail,
  keyPatchValues,
  newId,
  normaliseSettle,
  systemClock,
  toUsageSummaryRow,
  type Clock,
} from '../common.ts';
import {
  AccountNotFoundError,
  DuplicateHoldError,
  HoldNotFoundError,
  IdempotencyKeyReusedError,
  InsufficientBalanceError,
} from '../errors.ts';
import { toAccount, toApiKey, toAuditEntry, toCreditEntry, toLedgerRow } from '../mappers.ts';
import * as q from '../queries.ts';
import * as dq from '../dashboard-queries.ts';
import { toKeyActivity, toLatencySample, toUsageBucketRow } from '../dashboard-mappers.ts';
import type { AccountsTable, LedgerTable, StoreDatabase } from '../schema.ts';
import type {
  Account,
  AccountLimits,
  AccountStatus,
  ApiKeyRecord,
  AuditEntry,
  CreditEntry,
  CreditInput,
  HoldInput,
  HoldResult,
  IdempotencyBegin,
  IdempotencyState,
  KeyPatch,
  LedgerRow,
  NewApiKey,
  SettleInput,
  Store,
  UsageQuery,
  UsageSummaryQuery,
  UsageSummaryRow,
  AuditPageQuery,
  KeyActivity,
  LatencySample,
  LedgerPageQuery,
  UsageBucketRow,
} from '../types.ts';
import { migrateSqlite } from './migrations.ts';

const STATEMENT_CACHE_LIMIT = 256;
/** Purge expired idempotency rows once every this many `beginIdempotent` calls. */
const IDEMPOTENCY_PURGE_EVERY = 1000;

type LedgerDbRow = Selectable<LedgerTable>;

const HOLD_SQL = `UPDATE accounts
  SET balance_micros = balance_micros - @amount, held_micros = held_micros + @amount
  WHERE id = @accountId AND balance_micros >= @amount AND status = 'active'`;

const LEDGER_INSERT_SQL = `INSERT INTO ledger
  (request_id, attempt, account_id, key_id, model, deployment, held_micros, cost_micros, state,
   process_id, created_at)
  VALUES (@requestId, @attempt, @accountId, @keyId, @model, @deployment, @amount, 0, 'held',
   @processId, @now)
  ON CONFLICT (request_id, attempt) DO NOTHING`;

const RELEASE_SQL = `UPDATE accounts
  SET balance_micros = balance_micros + @release, held_micros = held_micros - @held
  WHERE id = @accountId`;

const SETTLE_SQL = `UPDATE ledger SET
  state = 'settled', cost_micros = @cost, terminal_state = @terminalState, status = @status,
  prompt_tokens = @prompt, cached_tokens = @cached, completion_tokens = @completion,
  reasoning_tokens = @reasoning, total_tokens = @total, usage_estimated = @usageEstimated,
  needs_review = @needsReview, price_version = @priceVersion, latency_ms = @latencyMs, ttft_ms = @ttftMs,
  stream = @stream, error_code = @errorCode, settled_at = @now
  WHERE request_id = @requestId AND attempt = @attempt AND state = 'held'`;

/** What settle needs to know about an open hold; reading all 26 columns costs more than the write. */
const LEDGER_HEAD_SQL = `SELECT account_id, key_id, model, deployment, held_micros, state, process_id, created_at
  FROM ledger WHERE request_id = ? AND attempt = ?`;

interface PendingWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type LedgerHead = Pick<
  LedgerDbRow,
  'account_id' | 'key_id' | 'model' | 'deployment' | 'held_micros' | 'state' | 'process_id' | 'created_at'
>;

interface HotStatements {
  account: Database.Statement;
  ledgerHead: Database.Statement;
  hold: Database.Statement;
  ledgerInsert: Database.Statement;
  balance: Database.Statement;
  ledgerGet: Database.Statement;
  release: Database.Statement;
  settle: Database.Statement;
  holdTransaction: Database.Transaction<(input: HoldInput, now: string) => HoldResult>;
  settleTransaction: Database.Transaction<(input: SettleInput, now: string) => LedgerRow>;
}

export interface SqliteStoreOptions {
  clock?: Clock;
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

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #kysely = compileOnlyKysely();
  readonly #clock: Clock;
  readonly #statements = new Map<string, Database.Statement>();
  #hot: HotStatements | undefined;
  /** Hot-path writes waiting for the next group commit (see #enqueue). */
  #pending: PendingWrite[] = [];
  #flushScheduled = false;
  #beginCount = 0;
  #closed = false;

  constructor(db: Database.Database, options: SqliteStoreOptions = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
  }

  /** The underlying connection, for tests and operational checks (`PRAGMA integrity_check`). */
  get connection(): Database.Database {
    return this.#db;
  }

  #now(): string {
    return this.#clock().toISOString();
  }

  #prepare(text: string): Database.Statement {
    let statement = this.#statements.get(text);
    if (!statement) {
      if (this.#statements.size >= STATEMENT_CACHE_LIMIT) this.#statements.clear();
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  #all<T>(query: Compilable<T>): T[] {
    const compiled = query.compile();
    return this.#prepare(compiled.sql).all(...compiled.parameters) as T[];
  }

  #first<T>(query: Compilable<T>): T | undefined {
    const compiled = query.compile();
    return this.#prepare(compiled.sql).get(...compiled.parameters) as T | undefined;
  }

  #run(query: Compilable): Database.RunResult {
    const compiled = query.compile();
    return this.#prepare(compiled.sql).run(...compiled.parameters);
  }

  #audit(actor: string, action: string, target: string, detail: Record<string, unknown>, now: string): void {
    this.#run(
      this.#kysely.insertInto('audit').values({
        id: newId(ID_PREFIX.audit),
        actor,
        action,
        target,
        detail: JSON.stringify(detail),
        created_at: now,
      }),
    );
  }

  #immediate<T>(work: () => T): T {
    return this.#db.transaction(work).immediate();
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  async migrate(): Promise<void> {
    migrateSqlite(this.#db, () => this.#now());
    this.#run(this.#kysely.deleteFrom('idempotency').where('expires_at', '<=', this.#now()));
  }

  async ping(): Promise<void> {
    this.#db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    this.#statements.clear();
    this.#hot = undefined;
    this.#batch = undefined;
    this.#db.close();
  }

  // ---- accounts --------------------------------------------------------------------------------

  async createAccount(input: { name: string; creditsMicros?: number; actor?: string }): Promise<Account> {
    const credits = input.creditsMicros ?? 0;
    assertMicros('creditsMicros', credits);
    const actor = input.actor ?? 'system';
    return this.#immediate(() => {
      const now = this.#now();
      const id = newId(ID_PREFIX.account);
      this.#run(
        this.#kysely.insertInto('accounts').values({
          id,
          name: input.name,
          balance_micros: credits,
          held_micros: 0,
          status: 'active',
          created_at: now,
        }),
      );
      this.#audit(actor, 'account.create', id, { name: input.name, creditsMicros: credits }, now);
      if (credits > 0) {
        this.#run(
          this.#kysely.insertInto('credit_entries').values({
            id: newId(ID_PREFIX.credit),
            account_id: id,
            amount_micros: credits,
            balance_after_micros: credits,
            note: 'initial credits',
            actor,
            idempotency_key: null,
            created_at: now,
          }),
        );
      }
      return this.#requireAccount(id);
    });
  }

  #requireAccount(id: string): Account {
    const row = this.#first(q.selectAccount(this.#kysely, id));
    if (!row) throw new AccountNotFoundError(id);
    return toAccount(row);
  }

  /** On the request path (before every hold): a prepared statement, not a freshly compiled query. */
  async getAccount(id: string): Promise<Account | undefined> {
    const row = this.#hotStatements().account.get(id) as Selectable<AccountsTable> | undefined;
    return row ? toAccount(row) : undefined;
  }

  async listAccounts(): Promise<Account[]> {
    return this.#all(q.selectAccounts(this.#kysely)).map(toAccount);
  }

  async setAccountStatus(id: string, status: AccountStatus): Promise<Account | undefined> {
    return this.#immediate(() => {
      const changed = this.#run(
        this.#kysely.updateTable('accounts').set({ status }).where('id', '=', id),
      ).changes;
      if (changed === 0) return undefined;
      this.#audit('admin', 'account.status', id, { status }, this.#now());
      return this.#requireAccount(id);
    });
  }

  async setAccountLimits(id: string, limits: AccountLimits): Promise<Account | undefined> {
    return this.#immediate(() => {
      const changed = this.#run(
        this.#kysely
          .updateTable('accounts')
          .set({ rpm: limits.rpm, tpm: limits.tpm, max_concurrency: limits.maxConcurrency })
          .where('id', '=', id),
      ).changes;
      if (changed === 0) return undefined;
      this.#audit('admin', 'account.limits', id, { ...limits }, this.#now());
      return this.#requireAccount(id);
    });
  }

  // ---- keys ------------------------------------------------------------------------------------

  async createKey(input: NewApiKey): Promise<ApiKeyRecord> {
    return this.#immediate(() => {
      const now = this.#now();
      const id = newId('key_');
      const values = {
        id,
        account_id: input.accountId,
        name: input.name ?? null,
        prefix: input.prefix,
        hash: input.hash,
        models: input.models === undefined || input.models === null ? null : JSON.stringify(input.models),
        rpm: input.rpm ?? null,
        tpm: input.tpm ?? null,
        max_concurrency: input.maxConcurrency ?? null,
        expires_at: input.expiresAt ?? null,
        revoked_at: null,
        created_at: now,
        updated_at: now,
        last_used_at: null,
      };
      this.#run(this.#kysely.insertInto('api_keys').values(values));
      this.#audit('admin', 'key.create', id, keyAuditDetail(input), now);
      return toApiKey({ ...values });
    });
  }

  async getKey(id: string): Promise<ApiKeyRecord | undefined> {
    const row = this.#first(q.selectKey(this.#kysely, id));
    return row ? toApiKey(row) : undefined;
  }

  async findKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const row = this.#first(q.selectKeyByHash(this.#kysely, hash));
    return row ? toApiKey(row) : undefined;
  }

  async listKeys(accountId?: string): Promise<ApiKeyRecord[]> {
    return this.#all(q.selectKeys(this.#kysely, accountId)).map(toApiKey);
  }

  async updateKey(id: string, patch: KeyPatch): Promise<ApiKeyRecord | undefined> {
    return this.#immediate(() => {
      const now = this.#now();
      const changed = this.#run(
        this.#kysely.updateTable('api_keys').set(keyPatchValues(patch, now)).where('id', '=', id),
      ).changes;
      if (changed === 0) return undefined;
      this.#audit('admin', 'key.update', id, { ...patch }, now);
      const row = this.#first(q.selectKey(this.#kysely, id));
      return row ? toApiKey(row) : undefined;
    });
  }

  /** Idempotent: revoking a revoked key returns it unchanged (and writes no second audit row). */
  async revokeKey(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#immediate(() => {
      const now = this.#now();
      const changed = this.#run(
        this.#kysely
          .updateTable('api_keys')
          .set({ revoked_at: now, updated_at: now })
          .where('id', '=', id)
          .where('revoked_at', 'is', null),
      ).changes;
      if (changed > 0) this.#audit('admin', 'key.revoke', id, {}, now);
      const row = this.#first(q.selectKey(this.#kysely, id));
      return row ? toApiKey(row) : undefined;
    });
  }

  async keysChangedSince(since: string): Promise<ApiKeyRecord[]> {
    return this.#all(q.selectKeysChangedSince(this.#kysely, since)).map(toApiKey);
  }

  // ---- settings --------------------------------------------------------------------------------

  async getSetting(name: string): Promise<string | undefined> {
    return this.#first(q.selectSetting(this.#kysely, name))?.value;
  }

  async setSetting(name: string, value: string): Promise<void> {
    this.#run(
      this.#kysely
        .insertInto('settings')
        .values({ name, value })
        .onConflict((conflict) => conflict.column('name').doUpdateSet({ value })),
    );
  }

  // ---- ledger: the hot path --------------------------------------------------------------------

  #hotStatements(): HotStatements {
    if (this.#hot) return this.#hot;
    const db = this.#db;
    const hold = db.prepare(HOLD_SQL);
    const ledgerInsert = db.prepare(LEDGER_INSERT_SQL);
    const balance = db.prepare('SELECT balance_micros FROM accounts WHERE id = ?');
    const ledgerGet = db.prepare('SELECT * FROM ledger WHERE request_id = ? AND attempt = ?');
    const ledgerHead = db.prepare(LEDGER_HEAD_SQL);
    const account = db.prepare('SELECT * FROM accounts WHERE id = ?');
    const release = db.prepare(RELEASE_SQL);
    const settle = db.prepare(SETTLE_SQL);

    const holdTransaction = db.transaction((input: HoldInput, now: string): HoldResult => {
      const params = { amount: input.amountMicros, accountId: input.accountId };
      if (hold.run(params).changes === 0) {
        const row = balance.get(input.accountId) as { balance_micros: number } | undefined;
        return { ok: false, balanceMicros: row ? Number(row.balance_micros) : 0 };
      }
      const inserted = ledgerInsert.run({
        requestId: input.requestId,
        attempt: input.attempt,
        accountId: input.accountId,
        keyId: input.keyId,
        model: input.model,
        deployment: input.deployment,
        amount: input.amountMicros,
        processId: input.processId,
        now,
      });
      // Throwing rolls the balance update back: a duplicate attempt never holds twice.
      if (inserted.changes === 0) throw new DuplicateHoldError(input.requestId, input.attempt);
      return { ok: true };
    });

    const settleTransaction = db.transaction((input: SettleInput, now: string): LedgerRow => {
      const head = ledgerHead.get(input.requestId, input.attempt) as LedgerHead | undefined;
      if (!head) throw new HoldNotFoundError(input.requestId, input.attempt);
      if (head.state === 'settled')
        return toLedgerRow(ledgerGet.get(input.requestId, input.attempt) as LedgerDbRow);
      const held = Number(head.held_micros);
      const charged = Math.min(input.costMicros, held);
      // A cost above the hold means the bound was wrong: charge the hold, flag it for a human.
      const needsReview = input.costMicros > held;
      release.run({ release: held - charged, held, accountId: head.account_id });
      settle.run({
        requestId: input.requestId,
        attempt: input.attempt,
        cost: charged,
        terminalState: input.terminalState,
        status: input.status,
        prompt: input.tokens.prompt,
        cached: input.tokens.cachedPrompt,
        completion: input.tokens.completion,
        reasoning: input.tokens.reasoning,
        total: input.tokens.total,
        usageEstimated: input.usageEstimated ? 1 : 0,
        needsReview: needsReview ? 1 : 0,
        priceVersion: input.priceVersion,
        latencyMs: input.latencyMs,
        ttftMs: input.ttftMs,
        stream: input.stream ? 1 : 0,
        errorCode: input.errorCode ?? null,
        now,
      });
      return {
        requestId: input.requestId,
        attempt: input.attempt,
        accountId: head.account_id,
        keyId: head.key_id,
        model: head.model,
        deployment: head.deployment,
        heldMicros: held,
        costMicros: charged,
        state: 'settled',
        terminalState: input.terminalState,
        status: input.status,
        tokens: { ...input.tokens },
        usageEstimated: input.usageEstimated,
        needsReview,
        priceVersion: input.priceVersion,
        latencyMs: input.latencyMs,
        ttftMs: input.ttftMs,
        stream: input.stream,
        errorCode: input.errorCode ?? null,
        createdAt: head.created_at,
        settledAt: now,
        processId: head.process_id,
      };
    });

    this.#hot = {
      account,
      ledgerHead,
      hold,
      ledgerInsert,
      balance,
      ledgerGet,
      release,
      settle,
      holdTransaction,
      settleTransaction,
    };
    return this.#hot;
  }

  async hold(input: HoldInput): Promise<HoldResult> {
    assertMicros('amountMicros', input.amountMicros);
    const { holdTransaction } = this.#hotStatements();
    return this.#enqueue(() => holdTransaction(input, this.#now()));
  }

  async settle(input: SettleInput): Promise<LedgerRow> {
    const { settleTransaction } = this.#hotStatements();
    const normalised = normaliseSettle(input);
    return this.#enqueue(() => settleTransaction(normalised, this.#now()));
  }

  /**
   * Group commit: holds and settles that arrive in the same turn of the event loop are written in one
   * BEGIN IMMEDIATE transaction, each inside its own savepoint (a nested better-sqlite3 transaction), so
   * one failing write rolls back alone. No caller learns its result before the batch has committed, so
   * durability is exactly that of one transaction per write; the commit cost is shared.
   */
  #enqueue<T>(run: () => T): Promise<T> {
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

  #batch: Database.Transaction<(body: () => void) => void> | undefined;

  #batchTransaction(): Database.Transaction<(body: () => void) => void> {
    this.#batch ??= this.#db.transaction((body: () => void) => body());
    return this.#batch;
  }

  async recoverStaleHolds(liveProcessIds: readonly string[]): Promise<LedgerRow[]> {
    const live = new Set(liveProcessIds);
    const { release, settle, ledgerGet } = this.#hotStatements();
    return this.#immediate(() => {
      const now = this.#now();
      const stale = this.#all(q.selectOpenHolds(this.#kysely)).filter((row) => !live.has(row.process_id));
      const recovered: LedgerRow[] = [];
      for (const row of stale) {
        const held = Number(row.held_micros);
        // Charge the whole hold: the upstream may have billed up to it; a human reviews the row.
        release.run({ release: 0, held, accountId: row.account_id });
        settle.run({
          requestId: row.request_id,
          attempt: row.attempt,
          cost: held,
          terminalState: 'recovered',
          status: null,
          prompt: 0,
          cached: 0,
          completion: 0,
          reasoning: 0,
          total: 0,
          usageEstimated: 1,
          needsReview: 1,
          priceVersion: null,
          latencyMs: null,
          ttftMs: null,
          stream: row.stream,
          errorCode: 'process_lost',
          now,
        });
        recovered.push(toLedgerRow(ledgerGet.get(row.request_id, row.attempt) as LedgerDbRow));
      }
      return recovered;
    });
  }

  async openHolds(accountId?: string): Promise<LedgerRow[]> {
    return this.#all(q.selectOpenHolds(this.#kysely, accountId)).map(toLedgerRow);
  }

  async ledger(query: UsageQuery): Promise<LedgerRow[]> {
    return this.#all(q.selectLedger(this.#kysely, query)).map(toLedgerRow);
  }

  async ledgerRow(requestId: string, attempt: number): Promise<LedgerRow | undefined> {
    const row = this.#first(q.selectLedgerRow(this.#kysely, requestId, attempt));
    return row ? toLedgerRow(row) : undefined;
  }

  async usageSummary(query: UsageSummaryQuery): Promise<UsageSummaryRow[]> {
    return this.#all(q.selectUsageSummary(this.#kysely, query)).map(toUsageSummaryRow);
  }

  // ---- credits ---------------------------------------------------------------------------------

  async credit(input: CreditInput): Promise<{ entry: CreditEntry; replayed: boolean }> {
    assertMicros('amountMicros', input.amountMicros, { allowNegative: true });
    const idempotencyKey = input.idempotencyKey ?? null;
    return this.#immediate(() => {
      if (idempotencyKey !== null) {
        const existing = this.#first(q.selectCreditByIdempotencyKey(this.#kysely, idempotencyKey));
        if (existing) {
          if (
            existing.account_id !== input.accountId ||
            Number(existing.amount_micros) !== input.amountMicros
          ) {
            throw new IdempotencyKeyReusedError();
          }
          return { entry: toCreditEntry(existing), replayed: true };
        }
      }
      const account = this.#requireAccount(input.accountId);
      if (account.balanceMicros + input.amountMicros < 0) {
        throw new InsufficientBalanceError(account.balanceMicros, input.amountMicros);
      }
      const now = this.#now();
      this.#run(
        this.#kysely
          .updateTable('accounts')
          .set((eb) => ({ balance_micros: eb('balance_micros', '+', input.amountMicros) }))
          .where('id', '=', input.accountId),
      );
      const row = {
        id: newId(ID_PREFIX.credit),
        account_id: input.accountId,
        amount_micros: input.amountMicros,
        balance_after_micros: account.balanceMicros + input.amountMicros,
        note: input.note ?? null,
        actor: input.actor,
        idempotency_key: idempotencyKey,
        created_at: now,
      };
      this.#run(this.#kysely.insertInto('credit_entries').values(row));
      this.#audit(
        input.actor,
        'account.credit',
        input.accountId,
        { creditId: row.id, amountMicros: input.amountMicros, note: row.note },
        now,
      );
      return { entry: toCreditEntry(row), replayed: false };
    });
  }

  async credits(accountId: string): Promise<CreditEntry[]> {
    return this.#all(q.selectCredits(this.#kysely, accountId)).map(toCreditEntry);
  }

  async auditLog(query: { target?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    return this.#all(q.selectAudit(this.#kysely, query)).map(toAuditEntry);
  }

  // ---- idempotency -----------------------------------------------------------------------------

  async beginIdempotent(input: IdempotencyBegin): Promise<IdempotencyState> {
    if (++this.#beginCount % IDEMPOTENCY_PURGE_EVERY === 0) {
      this.#run(this.#kysely.deleteFrom('idempotency').where('expires_at', '<=', this.#now()));
    }
    return this.#immediate((): IdempotencyState => {
      const now = this.#clock();
      const existing = this.#first(q.selectIdempotency(this.#kysely, input.scope, input.key));
      const decision = decideIdempotency(existing, input, now);
      if (decision.action === 'answer') return decision.result;
      const values = {
        account_id: input.accountId,
        request_hash: input.requestHash,
        state: 'in_progress',
        status: null,
        body: null,
        created_at: now.toISOString(),
        expires_at: idempotencyExpiry(now),
      };
      if (decision.action === 'claim') {
        this.#run(
          this.#kysely.insertInto('idempotency').values({ scope: input.scope, key: input.key, ...values }),
        );
      } else {
        this.#run(
          this.#kysely
            .updateTable('idempotency')
            .set(values)
            .where('scope', '=', input.scope)
            .where('key', '=', input.key),
        );
      }
      return { state: 'new' };
    });
  }

  async completeIdempotent(input: {
    scope: string;
    key: string;
    status: number;
    body: string;
  }): Promise<void> {
    this.#run(
      this.#kysely
        .updateTable('idempotency')
        .set({ state: 'done', status: input.status, body: input.body })
        .where('scope', '=', input.scope)
        .where('key', '=', input.key),
    );
  }

  async abandonIdempotent(input: { scope: string; key: string }): Promise<void> {
    this.#run(
      this.#kysely
        .deleteFrom('idempotency')
        .where('scope', '=', input.scope)
        .where('key', '=', input.key)
        .where('state', '=', 'in_progress'),
    );
  }

  // ---- dashboard (issue 8) -----------------------------------------------------------------------

  async ledgerPage(query: LedgerPageQuery): Promise<LedgerRow[]> {
    return this.#all(dq.selectLedgerPage(this.#kysely, query)).map(toLedgerRow);
  }

  async usageByMinute(query: UsageSummaryQuery): Promise<UsageBucketRow[]> {
    return this.#all(dq.selectUsageByMinute(this.#kysely, query)).map(toUsageBucketRow);
  }

  async keyActivity(accountId?: string): Promise<KeyActivity[]> {
    return this.#all(dq.selectKeyActivity(this.#kysely, accountId)).map(toKeyActivity);
  }

  async latencySamples(query: UsageSummaryQuery & { limit?: number }): Promise<LatencySample[]> {
    return this.#all(dq.selectLatencySamples(this.#kysely, query)).map(toLatencySample);
  }

  async auditPage(query: AuditPageQuery): Promise<AuditEntry[]> {
    return this.#all(dq.selectAuditPage(this.#kysely, query)).map(toAuditEntry);
  }

  async recordAudit(entry: {
    actor: string;
    action: string;
    target: string;
    detail: Record<string, unknown>;
  }): Promise<void> {
    this.#audit(entry.actor, entry.action, entry.target, entry.detail, this.#now());
  }

  async renameAccount(id: string, name: string): Promise<Account | undefined> {
    return this.#immediate(() => {
      const changed = this.#run(
        this.#kysely.updateTable('accounts').set({ name }).where('id', '=', id),
      ).changes;
      if (changed === 0) return undefined;
      this.#audit('admin', 'account.rename', id, { name }, this.#now());
      return this.#requireAccount(id);
    });
  }

  async ledgerTotals(query: LedgerPageQuery): Promise<{ rows: number; costMicros: number }> {
    const row = this.#first(dq.selectLedgerTotals(this.#kysely, query));
    return { rows: Number(row?.rows ?? 0), costMicros: Number(row?.cost_micros ?? 0) };
  }
}
