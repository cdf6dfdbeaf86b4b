/** Read models over the SQLite ledger: usage totals, dashboard pages and charts. */
import { toUsageSummaryRow } from '../common.ts';
import { toKeyActivity, toLatencySample, toUsageBucketRow } from '../dashboard-mappers.ts';
import * as dq from '../dashboard-queries.ts';
import { toLedgerRow } from '../mappers.ts';
import * as q from '../queries.ts';
import type { ReportingStore } from '../store.ts';
import type { SqliteConnection } from './connection.ts';

export function sqliteReporting(connection: SqliteConnection): ReportingStore {
  const { kysely } = connection;
  return {
    async usageSummary(query) {
      return connection.all(q.selectUsageSummary(kysely, query)).map(toUsageSummaryRow);
    },

    async ledgerPage(query) {
      return connection.all(dq.selectLedgerPage(kysely, query)).map(toLedgerRow);
    },

    async ledgerTotals(query) {
      const row = connection.first(dq.selectLedgerTotals(kysely, query));
      return { rows: Number(row?.rows ?? 0), costMicros: Number(row?.cost_micros ?? 0) };
    },

    async usageByMinute(query) {
      return connection.all(dq.selectUsageByMinute(kysely, query)).map(toUsageBucketRow);
    },

    async keyActivity(accountId) {
      return connection.all(dq.selectKeyActivity(kysely, accountId)).map(toKeyActivity);
    },

    async latencySamples(query) {
      return connection.all(dq.selectLatencySamples(kysely, query)).map(toLatencySample);
    },
  };
}
