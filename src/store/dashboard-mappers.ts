/** Database rows -> the dashboard read models of `types.ts` (issue 8), the same for every dialect. */
import { toUsageSummaryRow } from './common.ts';
import type { UsageSummaryDbRow } from './queries.ts';
import type { KeyActivity, LatencySample, UsageBucketRow } from './types.ts';

export function toUsageBucketRow(row: UsageSummaryDbRow & { errors: number | string }): UsageBucketRow {
  return { ...toUsageSummaryRow(row), errors: Number(row.errors) };
}

export function toKeyActivity(row: {
  key_id: string;
  last_used_at: string | null;
  requests: number | string;
  cost_micros: number | string | null;
}): KeyActivity {
  return {
    keyId: row.key_id,
    lastUsedAt: row.last_used_at,
    requests: Number(row.requests),
    costMicros: Number(row.cost_micros ?? 0),
  };
}

export function toLatencySample(row: { latency_ms: number | null; ttft_ms: number | null }): LatencySample {
  return { latencyMs: Number(row.latency_ms), ttftMs: row.ttft_ms === null ? null : Number(row.ttft_ms) };
}
