/**
 * Query builders for the dashboard and its API (issue 8): cursor-paged logs, minute usage buckets (the
 * caller folds them into days of any IANA time zone), per-key activity, latency samples and audit
 * paging. Like `queries.ts` they only build SQL; each store runs it.
 */
import { sql } from 'kysely';
import { whereLedger, type Db } from './queries.ts';
import type { AuditPageQuery, LedgerPageQuery, UsageSummaryQuery } from './types.ts';

const MAX_PAGE = 1000;

function pageLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return 50;
  return Math.max(1, Math.min(MAX_PAGE, Math.floor(limit)));
}

/** Newest first, settled and held rows; `cursor` is the last row of the previous page. */
export function selectLedgerPage(db: Db, query: LedgerPageQuery) {
  let builder = db.selectFrom('ledger').selectAll();
  builder = whereLedger(builder, query);
  if (query.status === 'ok') builder = builder.where('status', '>=', 200).where('status', '<', 300);
  else if (query.status === 'error') {
    builder = builder.where((eb) =>
      eb.or([eb('status', 'is', null), eb('status', '<', 200), eb('status', '>=', 300)]),
    );
  } else if (typeof query.status === 'number') builder = builder.where('status', '=', query.status);
  const cursor = query.cursor;
  if (cursor !== undefined) {
    builder = builder.where((eb) =>
      eb.or([
        eb('created_at', '<', cursor.createdAt),
        eb.and([eb('created_at', '=', cursor.createdAt), eb('request_id', '<', cursor.requestId)]),
        eb.and([
          eb('created_at', '=', cursor.createdAt),
          eb('request_id', '=', cursor.requestId),
          eb('attempt', '<', cursor.attempt),
        ]),
      ]),
    );
  }
  return builder
    .orderBy('created_at', 'desc')
    .orderBy('request_id', 'desc')
    .orderBy('attempt', 'desc')
    .limit(pageLimit(query.limit));
}

/** Settled totals per UTC minute (`YYYY-MM-DDTHH:MM`); every IANA offset is a whole number of minutes. */
export function selectUsageByMinute(db: Db, query: UsageSummaryQuery) {
  let builder = db
    .selectFrom('ledger')
    .select([
      sql<string>`substr(created_at, 1, 16)`.as('group_name'),
      sql<number | string>`count(*)`.as('requests'),
      sql<number | string>`sum(case when status >= 200 and status < 300 then 0 else 1 end)`.as('errors'),
      sql<number | string | null>`sum(prompt_tokens)`.as('prompt_tokens'),
      sql<number | string | null>`sum(cached_tokens)`.as('cached_tokens'),
      sql<number | string | null>`sum(completion_tokens)`.as('completion_tokens'),
      sql<number | string | null>`sum(reasoning_tokens)`.as('reasoning_tokens'),
      sql<number | string | null>`sum(cost_micros)`.as('cost_micros'),
    ])
    .where('state', '=', 'settled');
  builder = whereLedger(builder, query);
  return builder.groupBy(sql`1`).orderBy(sql`1`);
}

/** Last use and settled spend per key. */
export function selectKeyActivity(db: Db, accountId?: string) {
  let builder = db
    .selectFrom('ledger')
    .select([
      'key_id',
      sql<string>`max(created_at)`.as('last_used_at'),
      sql<number | string>`count(*)`.as('requests'),
      sql<number | string | null>`sum(cost_micros)`.as('cost_micros'),
    ]);
  if (accountId !== undefined) builder = builder.where('account_id', '=', accountId);
  return builder.groupBy('key_id');
}

/** Latency and TTFT of settled rows in a range, newest first, for percentiles. */
export function selectLatencySamples(db: Db, query: UsageSummaryQuery & { limit?: number }) {
  let builder = db
    .selectFrom('ledger')
    .select(['latency_ms', 'ttft_ms'])
    .where('state', '=', 'settled')
    .where('latency_ms', 'is not', null);
  builder = whereLedger(builder, query);
  return builder.orderBy('created_at', 'desc').limit(Math.min(query.limit ?? 20_000, 100_000));
}

export function selectAuditPage(db: Db, query: AuditPageQuery) {
  let builder = db.selectFrom('audit').selectAll();
  if (query.action !== undefined) builder = builder.where('action', '=', query.action);
  if (query.actor !== undefined) builder = builder.where('actor', '=', query.actor);
  if (query.target !== undefined) builder = builder.where('target', '=', query.target);
  if (query.before !== undefined) {
    const before = query.before;
    builder = builder.where((eb) =>
      eb.or([
        eb('created_at', '<', before.createdAt),
        eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)]),
      ]),
    );
  }
  return builder.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(pageLimit(query.limit));
}

/** Row count and cost of everything `selectLedgerPage` would page through (the cursor is ignored). */
export function selectLedgerTotals(db: Db, query: LedgerPageQuery) {
  let builder = db
    .selectFrom('ledger')
    .select([
      sql<number | string>`count(*)`.as('rows'),
      sql<number | string | null>`sum(cost_micros)`.as('cost_micros'),
    ]);
  builder = whereLedger(builder, query);
  if (query.status === 'ok') builder = builder.where('status', '>=', 200).where('status', '<', 300);
  else if (query.status === 'error') {
    builder = builder.where((eb) =>
      eb.or([eb('status', 'is', null), eb('status', '<', 200), eb('status', '>=', 300)]),
    );
  } else if (typeof query.status === 'number') builder = builder.where('status', '=', query.status);
  return builder;
}
