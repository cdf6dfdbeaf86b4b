/**
 * The PostgreSQL store (scale-out: many Portico processes, one database). Same tables, query builders
 * and row mappers as SQLite; the writes are Kysely transactions at READ COMMITTED, made safe by
 * construction rather than by isolation level:
 * - a hold is one conditional `UPDATE ... WHERE balance_micros >= x RETURNING`: PostgreSQL re-checks the
 *   condition on the newest row version after waiting for a concurrent writer, so two holds can never
 *   both spend the same micro-USD;
 * - a settle locks its ledger row (`FOR UPDATE`) before deciding, so concurrent settles of one attempt
 *   serialise and the second sees `settled`;
 * - idempotency and credit keys rely on primary/unique keys, with the loser re-reading the winner.
 */
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
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
import type { StoreDatabase } from '../schema.ts';
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
import { MIGRATION_LOCK_KEY, POSTGRES_MIGRATIONS } from './migrations.ts';

type Tx = Transaction<StoreDatabase>;

/** What a settlement writes; recovery writes no status, price version or latency (there was no answer). */
type Settlement = Omit<SettleInput, 'status' | 'priceVersion' | 'latencyMs'> & {
  status: number | null;
  priceVersion: string | null;
  latencyMs: number | null;
};

const UNIQUE_VIOLATION = '23505';

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === UNIQUE_VIOLATION
  );
}

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

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly #db: Kysely<StoreDatabase>;
  readonly #schema: string | undefined;
  readonly #clock: Clock;
  #closed = false;

  constructor(url: string, options: PostgresStoreOptions = {}) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new Error(`Invalid PostgreSQL schema name '${options.schema}'`);
    }
    this.#schema = options.schema;
    this.#clock = options.clock ?? systemClock;
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
    this.#db = new Kysely<StoreDatabase>({ dialect: new PostgresDialect({ pool }) });
  }

  #now(): string {
    return this.#clock().toISOString();
  }

  async #audit(
    tx: Tx,
    actor: string,
    action: string,
    target: string,
    detail: Record<string, unknown>,
    now: string,
  ) {
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

  // ---- lifecycle -------------------------------------------------------------------------------

  async migrate(): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(tx);
      if (this.#schema) await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(this.#schema)}`.execute(tx);
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
          .values({ name: migration.name, applied_at: this.#now() })
          .execute();
      }
    });
    await this.#db.deleteFrom('idempotency').where('expires_at', '<=', this.#now()).execute();
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.#db);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.destroy();
  }

  // ---- accounts --------------------------------------------------------------------------------

  async createAccount(input: { name: string; creditsMicros?: number; actor?: string }): Promise<Account> {
    const credits = input.creditsMicros ?? 0;
    assertMicros('creditsMicros', credits);
    const actor = input.actor ?? 'system';
    return this.#db.transaction().execute(async (tx) => {
      const now = this.#now();
      const id = newId(ID_PREFIX.account);
      const row = await tx
        .insertInto('accounts')
        .values({
          id,
          name: input.name,
          balance_micros: credits,
          held_micros: 0,
          status: 'active',
          created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.#audit(tx, actor, 'account.create', id, { name: input.name, creditsMicros: credits }, now);
      if (credits > 0) {
        await tx
          .insertInto('credit_entries')
          .values({
            id: newId(ID_PREFIX.credit),
            account_id: id,
            amount_micros: credits,
            balance_after_micros: credits,
            note: 'initial credits',
            actor,
            idempotency_key: null,
            created_at: now,
          })
          .execute();
      }
      return toAccount(row);
    });
  }

  async getAccount(id: string): Promise<Account | undefined> {
    const row = await q.selectAccount(this.#db, id).executeTakeFirst();
    return row ? toAccount(row) : undefined;
  }

  async listAccounts(): Promise<Account[]> {
    return (await q.selectAccounts(this.#db).execute()).map(toAccount);
  }

  async setAccountStatus(id: string, status: AccountStatus): Promise<Account | undefined> {
    return this.#db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable('accounts')
        .set({ status })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) return undefined;
      await this.#audit(tx, 'admin', 'account.status', id, { status }, this.#now());
      return toAccount(row);
    });
  }

  async setAccountLimits(id: string, limits: AccountLimits): Promise<Account | undefined> {
    return this.#db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable('accounts')
        .set({ rpm: limits.rpm, tpm: limits.tpm, max_concurrency: limits.maxConcurrency })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) return undefined;
      await this.#audit(tx, 'admin', 'account.limits', id, { ...limits }, this.#now());
      return toAccount(row);
    });
  }

  // ---- keys ------------------------------------------------------------------------------------

  async createKey(input: NewApiKey): Promise<ApiKeyRecord> {
    return this.#db.transaction().execute(async (tx) => {
      const now = this.#now();
      const id = newId('key_');
      const row = await tx
        .insertInto('api_keys')
        .values({
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
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.#audit(tx, 'admin', 'key.create', id, keyAuditDetail(input), now);
      return toApiKey(row);
    });
  }

  async getKey(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await q.selectKey(this.#db, id).executeTakeFirst();
    return row ? toApiKey(row) : undefined;
  }

  async findKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const row = await q.selectKeyByHash(this.#db, hash).executeTakeFirst();
    return row ? toApiKey(row) : undefined;
  }

  async listKeys(accountId?: string): Promise<ApiKeyRecord[]> {
    return (await q.selectKeys(this.#db, accountId).execute()).map(toApiKey);
  }

  async updateKey(id: string, patch: KeyPatch): Promise<ApiKeyRecord | undefined> {
    return this.#db.transaction().execute(async (tx) => {
      const now = this.#now();
      const row = await tx
        .updateTable('api_keys')
        .set(keyPatchValues(patch, now))
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) return undefined;
      await this.#audit(tx, 'admin', 'key.update', id, { ...patch }, now);
      return toApiKey(row);
    });
  }

  async revokeKey(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#db.transaction().execute(async (tx) => {
      const now = this.#now();
      const revoked = await tx
        .updateTable('api_keys')
        .set({ revoked_at: now, updated_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (revoked) {
        await this.#audit(tx, 'admin', 'key.revoke', id, {}, now);
        return toApiKey(revoked);
      }
      const row = await q.selectKey(tx, id).executeTakeFirst();
      return row ? toApiKey(row) : undefined;
    });
  }

  async keysChangedSince(since: string): Promise<ApiKeyRecord[]> {
    return (await q.selectKeysChangedSince(this.#db, since).execute()).map(toApiKey);
  }

  // ---- settings --------------------------------------------------------------------------------

  async getSetting(name: string): Promise<string | undefined> {
    return (await q.selectSetting(this.#db, name).executeTakeFirst())?.value;
  }

  async setSetting(name: string, value: string): Promise<void> {
    await this.#db
      .insertInto('settings')
      .values({ name, value })
      .onConflict((conflict) => conflict.column('name').doUpdateSet({ value }))
      .execute();
  }

  // ---- ledger ----------------------------------------------------------------------------------

  async hold(input: HoldInput): Promise<HoldResult> {
    assertMicros('amountMicros', input.amountMicros);
    const amount = input.amountMicros;
    return this.#db.transaction().execute(async (tx): Promise<HoldResult> => {
      const moved = await tx
        .updateTable('accounts')
        .set((eb) => ({
          balance_micros: eb('balance_micros', '-', amount),
          held_micros: eb('held_micros', '+', amount),
        }))
        .where('id', '=', input.accountId)
        .where('balance_micros', '>=', amount)
        .where('status', '=', 'active')
        .returning('id')
        .executeTakeFirst();
      if (!moved) {
        const row = await tx
          .selectFrom('accounts')
          .select('balance_micros')
          .where('id', '=', input.accountId)
          .executeTakeFirst();
        return { ok: false, balanceMicros: row ? Number(row.balance_micros) : 0 };
      }
      const inserted = await tx
        .insertInto('ledger')
        .values({
          request_id: input.requestId,
          attempt: input.attempt,
          account_id: input.accountId,
          key_id: input.keyId,
          model: input.model,
          deployment: input.deployment,
          held_micros: amount,
          cost_micros: 0,
          state: 'held',
          prompt_tokens: 0,
          cached_tokens: 0,
          completion_tokens: 0,
          reasoning_tokens: 0,
          total_tokens: 0,
          usage_estimated: 0,
          needs_review: 0,
          stream: 0,
          process_id: input.processId,
          created_at: this.#now(),
        })
        .onConflict((conflict) => conflict.columns(['request_id', 'attempt']).doNothing())
        .returning('request_id')
        .executeTakeFirst();
      // Throwing rolls the balance update back: a duplicate attempt never holds twice.
      if (!inserted) throw new DuplicateHoldError(input.requestId, input.attempt);
      return { ok: true };
    });
  }

  async #settleLocked(
    tx: Tx,
    input: Settlement,
    flags: { needsReview?: boolean; forceCostToHeld?: boolean } = {},
  ): Promise<LedgerRow> {
    const row = await q.selectLedgerRow(tx, input.requestId, input.attempt).forUpdate().executeTakeFirst();
    if (!row) throw new HoldNotFoundError(input.requestId, input.attempt);
    if (row.state === 'settled') return toLedgerRow(row);
    const held = Number(row.held_micros);
    const cost = flags.forceCostToHeld ? held : input.costMicros;
    const charged = Math.min(cost, held);
    await tx
      .updateTable('accounts')
      .set((eb) => ({
        balance_micros: eb('balance_micros', '+', held - charged),
        held_micros: eb('held_micros', '-', held),
      }))
      .where('id', '=', row.account_id)
      .execute();
    const updated = await tx
      .updateTable('ledger')
      .set({
        state: 'settled',
        cost_micros: charged,
        terminal_state: input.terminalState,
        status: input.status,
        prompt_tokens: input.tokens.prompt,
        cached_tokens: input.tokens.cachedPrompt,
        completion_tokens: input.tokens.completion,
        reasoning_tokens: input.tokens.reasoning,
        total_tokens: input.tokens.total,
        usage_estimated: input.usageEstimated ? 1 : 0,
        needs_review: flags.needsReview || cost > held ? 1 : 0,
        price_version: input.priceVersion,
        latency_ms: input.latencyMs,
        ttft_ms: input.ttftMs,
        stream: input.stream ? 1 : 0,
        error_code: input.errorCode ?? null,
        settled_at: this.#now(),
      })
      .where('request_id', '=', input.requestId)
      .where('attempt', '=', input.attempt)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toLedgerRow(updated);
  }

  async settle(input: SettleInput): Promise<LedgerRow> {
    const normalised = normaliseSettle(input);
    return this.#db.transaction().execute((tx) => this.#settleLocked(tx, normalised));
  }

  async recoverStaleHolds(liveProcessIds: readonly string[]): Promise<LedgerRow[]> {
    const live = new Set(liveProcessIds);
    return this.#db.transaction().execute(async (tx) => {
      const open = await q.selectOpenHolds(tx).execute();
      const recovered: LedgerRow[] = [];
      for (const row of open) {
        if (live.has(row.process_id)) continue;
        const settled = await this.#settleLocked(
          tx,
          {
            requestId: row.request_id,
            attempt: Number(row.attempt),
            costMicros: Number(row.held_micros),
            tokens: { prompt: 0, cachedPrompt: 0, completion: 0, reasoning: 0, total: 0 },
            usageEstimated: true,
            terminalState: 'recovered',
            status: null,
            priceVersion: null,
            latencyMs: null,
            ttftMs: null,
            stream: Number(row.stream) === 1,
            errorCode: 'process_lost',
          },
          { needsReview: true, forceCostToHeld: true },
        );
        // Settled by its own process between our read and our lock: not a recovery.
        if (settled.terminalState === 'recovered') recovered.push(settled);
      }
      return recovered;
    });
  }

  async openHolds(accountId?: string): Promise<LedgerRow[]> {
    return (await q.selectOpenHolds(this.#db, accountId).execute()).map(toLedgerRow);
  }

  async ledger(query: UsageQuery): Promise<LedgerRow[]> {
    return (await q.selectLedger(this.#db, query).execute()).map(toLedgerRow);
  }

  async ledgerRow(requestId: string, attempt: number): Promise<LedgerRow | undefined> {
    const row = await q.selectLedgerRow(this.#db, requestId, attempt).executeTakeFirst();
    return row ? toLedgerRow(row) : undefined;
  }

  async usageSummary(query: UsageSummaryQuery): Promise<UsageSummaryRow[]> {
    return (await q.selectUsageSummary(this.#db, query).execute()).map(toUsageSummaryRow);
  }

  // ---- credits ---------------------------------------------------------------------------------

  async credit(input: CreditInput): Promise<{ entry: CreditEntry; replayed: boolean }> {
    assertMicros('amountMicros', input.amountMicros, { allowNegative: true });
    try {
      return await this.#creditOnce(input);
    } catch (error) {
      // Two concurrent credits with one new key: the loser's insert hit the unique key and rolled
      // back; running again finds the winner's entry and replays (or reports the reuse).
      if (input.idempotencyKey && isUniqueViolation(error)) return this.#creditOnce(input);
      throw error;
    }
  }

  async #creditOnce(input: CreditInput): Promise<{ entry: CreditEntry; replayed: boolean }> {
    const idempotencyKey = input.idempotencyKey ?? null;
    const amount = input.amountMicros;
    return this.#db.transaction().execute(async (tx) => {
      if (idempotencyKey !== null) {
        const existing = await q.selectCreditByIdempotencyKey(tx, idempotencyKey).executeTakeFirst();
        if (existing) {
          if (existing.account_id !== input.accountId || Number(existing.amount_micros) !== amount) {
            throw new IdempotencyKeyReusedError();
          }
          return { entry: toCreditEntry(existing), replayed: true };
        }
      }
      const updated = await tx
        .updateTable('accounts')
        .set((eb) => ({ balance_micros: eb('balance_micros', '+', amount) }))
        .where('id', '=', input.accountId)
        .where(sql<boolean>`balance_micros + ${amount} >= 0`)
        .returning('balance_micros')
        .executeTakeFirst();
      if (!updated) {
        const account = await q.selectAccount(tx, input.accountId).executeTakeFirst();
        if (!account) throw new AccountNotFoundError(input.accountId);
        throw new InsufficientBalanceError(Number(account.balance_micros), amount);
      }
      const now = this.#now();
      const row = await tx
        .insertInto('credit_entries')
        .values({
          id: newId(ID_PREFIX.credit),
          account_id: input.accountId,
          amount_micros: amount,
          balance_after_micros: Number(updated.balance_micros),
          note: input.note ?? null,
          actor: input.actor,
          idempotency_key: idempotencyKey,
          created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.#audit(
        tx,
        input.actor,
        'account.credit',
        input.accountId,
        { creditId: row.id, amountMicros: amount, note: row.note },
        now,
      );
      return { entry: toCreditEntry(row), replayed: false };
    });
  }

  async credits(accountId: string): Promise<CreditEntry[]> {
    return (await q.selectCredits(this.#db, accountId).execute()).map(toCreditEntry);
  }

  async auditLog(query: { target?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    return (await q.selectAudit(this.#db, query).execute()).map(toAuditEntry);
  }

  // ---- idempotency -----------------------------------------------------------------------------

  async beginIdempotent(input: IdempotencyBegin): Promise<IdempotencyState> {
    return this.#db.transaction().execute(async (tx): Promise<IdempotencyState> => {
      const now = this.#clock();
      const values = {
        account_id: input.accountId,
        request_hash: input.requestHash,
        state: 'in_progress',
        status: null,
        body: null,
        created_at: now.toISOString(),
        expires_at: idempotencyExpiry(now),
      };
      const claimed = await tx
        .insertInto('idempotency')
        .values({ scope: input.scope, key: input.key, ...values })
        .onConflict((conflict) => conflict.columns(['scope', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      if (claimed) return { state: 'new' };
      const existing = await q.selectIdempotency(tx, input.scope, input.key).forUpdate().executeTakeFirst();
      const decision = decideIdempotency(existing, input, now);
      if (decision.action === 'answer') return decision.result;
      if (decision.action === 'claim') {
        // Deleted between our insert and our read: claim it now (the row lock is ours).
        await tx
          .insertInto('idempotency')
          .values({ scope: input.scope, key: input.key, ...values })
          .execute();
      } else {
        await tx
          .updateTable('idempotency')
          .set(values)
          .where('scope', '=', input.scope)
          .where('key', '=', input.key)
          .execute();
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
    await this.#db
      .updateTable('idempotency')
      .set({ state: 'done', status: input.status, body: input.body })
      .where('scope', '=', input.scope)
      .where('key', '=', input.key)
      .execute();
  }

  async abandonIdempotent(input: { scope: string; key: string }): Promise<void> {
    await this.#db
      .deleteFrom('idempotency')
      .where('scope', '=', input.scope)
      .where('key', '=', input.key)
      .where('state', '=', 'in_progress')
      .execute();
  }

  // ---- dashboard (issue 8) -----------------------------------------------------------------------

  async ledgerPage(query: LedgerPageQuery): Promise<LedgerRow[]> {
    return (await dq.selectLedgerPage(this.#db, query).execute()).map(toLedgerRow);
  }

  async usageByMinute(query: UsageSummaryQuery): Promise<UsageBucketRow[]> {
    return (await dq.selectUsageByMinute(this.#db, query).execute()).map(toUsageBucketRow);
  }

  async keyActivity(accountId?: string): Promise<KeyActivity[]> {
    return (await dq.selectKeyActivity(this.#db, accountId).execute()).map(toKeyActivity);
  }

  async latencySamples(query: UsageSummaryQuery & { limit?: number }): Promise<LatencySample[]> {
    return (await dq.selectLatencySamples(this.#db, query).execute()).map(toLatencySample);
  }

  async auditPage(query: AuditPageQuery): Promise<AuditEntry[]> {
    return (await dq.selectAuditPage(this.#db, query).execute()).map(toAuditEntry);
  }

  async recordAudit(entry: {
    actor: string;
    action: string;
    target: string;
    detail: Record<string, unknown>;
  }): Promise<void> {
    await this.#db
      .transaction()
      .execute((tx) => this.#audit(tx, entry.actor, entry.action, entry.target, entry.detail, this.#now()));
  }

  async renameAccount(id: string, name: string): Promise<Account | undefined> {
    return this.#db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable('accounts')
        .set({ name })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) return undefined;
      await this.#audit(tx, 'admin', 'account.rename', id, { name }, this.#now());
      return toAccount(row);
    });
  }

  async ledgerTotals(query: LedgerPageQuery): Promise<{ rows: number; costMicros: number }> {
    const row = await dq.selectLedgerTotals(this.#db, query).executeTakeFirst();
    return { rows: Number(row?.rows ?? 0), costMicros: Number(row?.cost_micros ?? 0) };
  }
}
