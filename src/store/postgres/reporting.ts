/** Read models over the PostgreSQL ledger: usage totals, dashboard pages and charts. */
import { toUsageSummaryRow } from '../common.ts';
import { toKeyActivity, toLatencySample, toUsageBucketRow } from '../dashboard-mappers.ts';
import * as dq from '../dashboard-queries.ts';
import { toLedgerRow } from '../mappers.ts';
import * as q from '../queries.ts';
import type { ReportingStore } from '../store.ts';
import type { PostgresConnection } from './connection.ts';

export function postgresReporting(connection: PostgresConnection): ReportingStore {
  const { db } = connection;
  return {
    async usageSummary(query) {
      return (await q.selectUsageSummary(db, query).execute()).map(toUsageSummaryRow);
    },

    async ledgerPage(query) {
      return (await dq.selectLedgerPage(db, query).execute()).map(toLedgerRow);
    },

    async ledgerTotals(query) {
      const row = await dq.selectLedgerTotals(db, query).executeTakeFirst();
      return { rows: Number(row?.rows ?? 0), costMicros: Number(row?.cost_micros ?? 0) };
    },

    async usageByMinute(query) {
      return (await dq.selectUsageByMinute(db, query).execute()).map(toUsageBucketRow);
    },

    async keyActivity(accountId) {
      return (await dq.selectKeyActivity(db, accountId).execute()).map(toKeyActivity);
    },

    async latencySamples(query) {
      return (await dq.selectLatencySamples(db, query).execute()).map(toLatencySample);
    },
  };
}
