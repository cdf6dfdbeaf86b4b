/**
 * Query builders shared by every dialect. They only build SQL (Kysely compiles it for the dialect);
 * each store decides how to run it: SQLite synchronously on its one connection, PostgreSQL on a pool.
 */
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { StoreDatabase } from './schema.ts';
import type { UsageQuery, UsageSummaryQuery } from './types.ts';

export type Db = Kysely<StoreDatabase>;

/** The filters every ledger query shares (usage log, summaries, dashboard logs and charts). */
export interface LedgerFilters {
  accountId?: string;
  keyId?: string;
  model?: string;
  /** Inclusive ISO time. */
  from?: string;
  /** Exclusive ISO time. */
  to?: string;
}

export function whereLedger<O>(
  builder: SelectQueryBuilder<StoreDatabase, 'ledger', O>,
  query: LedgerFilters,
): SelectQueryBuilder<StoreDatabase, 'ledger', O> {
  let filtered = builder;
  if (query.accountId !== undefined) filtered = filtered.where('account_id', '=', query.accountId);
  if (query.keyId !== undefined) filtered = filtered.where('key_id', '=', query.keyId);
  if (query.model !== undefined) filtered = filtered.where('model', '=', query.model);
  if (query.from !== undefined) filtered = filtered.where('created_at', '>=', query.from);
  if (query.to !== undefined) filtered = filtered.where('created_at', '<', query.to);
  return filtered;
}

export const DEFAULT_LEDGER_LIMIT = 1000;
export const MAX_LEDGER_LIMIT = 100_000;

export function selectAccount(db: Db, id: string) {
  return db.selectFrom('accounts').selectAll().where('id', '=', id);
}

export function selectAccounts(db: Db) {
  return db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('id');
}

export function selectKey(db: Db, id: string) {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id);
}

export function selectKeyByHash(db: Db, hash: string) {
  return db.selectFrom('api_keys').selectAll().where('hash', '=', hash);
}

export function selectKeys(db: Db, accountId?: string) {
  let query = db.selectFrom('api_keys').selectAll();
  if (accountId !== undefined) query = query.where('account_id', '=', accountId);
  return query.orderBy('created_at').orderBy('id');
}

export function selectSetting(db: Db, name: string) {
  return db.selectFrom('settings').select('value').where('name', '=', name);
}

/** LIKE on a fixed prefix (no wildcards allowed in it); callers re-check `startsWith` (SQLite LIKE ignores case). */
export function selectSettingsWithPrefix(db: Db, prefix: string) {
  if (/[%_\\]/.test(prefix)) throw new Error(`setting prefix may not contain LIKE wildcards: ${prefix}`);
  return db
    .selectFrom('settings')
    .select(['name', 'value'])
    .where('name', 'like', `${prefix}%`)
    .orderBy('name');
}

export function selectOpenHolds(db: Db, accountId?: string) {
  let query = db.selectFrom('ledger').selectAll().where('state', '=', 'held');
  if (accountId !== undefined) query = query.where('account_id', '=', accountId);
  return query.orderBy('created_at').orderBy('request_id').orderBy('attempt');
}

export function selectLedgerRow(db: Db, requestId: string, attempt: number) {
  return db
    .selectFrom('ledger')
    .selectAll()
    .where('request_id', '=', requestId)
    .where('attempt', '=', attempt);
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LEDGER_LIMIT;
  return Math.max(1, Math.min(MAX_LEDGER_LIMIT, Math.floor(limit)));
}

/** Newest first. */
export function selectLedger(db: Db, query: UsageQuery) {
  let builder = db.selectFrom('ledger').selectAll();
  builder = whereLedger(builder, query);
  return builder
    .orderBy('created_at', 'desc')
    .orderBy('request_id', 'desc')
    .orderBy('attempt', 'desc')
    .limit(clampLimit(query.limit));
}

export function selectCredits(db: Db, accountId: string) {
  return db
    .selectFrom('credit_entries')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('created_at')
    .orderBy('id');
}

export function selectCreditByIdempotencyKey(db: Db, key: string) {
  return db.selectFrom('credit_entries').selectAll().where('idempotency_key', '=', key);
}

export function selectAudit(db: Db, query: { target?: string; limit?: number }) {
  let builder = db.selectFrom('audit').selectAll();
  if (query.target !== undefined) builder = builder.where('target', '=', query.target);
  return builder.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(clampLimit(query.limit));
}

export function selectIdempotency(db: Db, scope: string, key: string) {
  return db.selectFrom('idempotency').selectAll().where('scope', '=', scope).where('key', '=', key);
}

export interface UsageSummaryDbRow {
  group_name: string;
  requests: number | string;
  prompt_tokens: number | string | null;
  cached_tokens: number | string | null;
  completion_tokens: number | string | null;
  reasoning_tokens: number | string | null;
  cost_micros: number | string | null;
}

/** Totals over settled rows. `substr` on the ISO text time gives the UTC day in both dialects. */
export function selectUsageSummary(db: Db, query: UsageSummaryQuery) {
  const group =
    query.groupBy === 'day'
      ? sql<string>`substr(created_at, 1, 10)`
      : query.groupBy === 'model'
        ? sql<string>`model`
        : query.groupBy === 'key'
          ? sql<string>`key_id`
          : sql<string>`'all'`;
  let builder = db
    .selectFrom('ledger')
    .select([
      group.as('group_name'),
      sql<number | string>`count(*)`.as('requests'),
      sql<number | string | null>`sum(prompt_tokens)`.as('prompt_tokens'),
      sql<number | string | null>`sum(cached_tokens)`.as('cached_tokens'),
      sql<number | string | null>`sum(completion_tokens)`.as('completion_tokens'),
      sql<number | string | null>`sum(reasoning_tokens)`.as('reasoning_tokens'),
      sql<number | string | null>`sum(cost_micros)`.as('cost_micros'),
    ])
    .where('state', '=', 'settled');
  builder = whereLedger(builder, query);
  if (query.groupBy !== undefined) builder = builder.groupBy(sql`1`).orderBy(sql`1`);
  return builder;
}
