/**
 * Usage summaries for the overview pages (`/admin/usage/summary`, `/account/usage`): totals, error rate,
 * latency and TTFT percentiles, and groups by local day or hour in any IANA time zone, by model, key or
 * account. Day and hour buckets are folded from UTC minute buckets, so a day in Asia/Kolkata (+05:30)
 * or America/Los_Angeles is exactly that zone's day (the litellm bugs in DASHBOARD.md §2.3).
 */
import { PorticoError } from '../../errors.ts';
import type { Store, UsageSummaryQuery, UsageSummaryRow } from '../../store/types.ts';
import { localDay, offsetMinutes, requireTimeZone } from './dashboard-time.ts';

export type SummaryGroup = 'day' | 'hour' | 'model' | 'key' | 'account';
const GROUPS: readonly SummaryGroup[] = ['day', 'hour', 'model', 'key', 'account'];

interface Bucket {
  requests: number;
  errors: number;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  costMicros: number;
}

const empty = (): Bucket => ({
  requests: 0,
  errors: 0,
  promptTokens: 0,
  cachedTokens: 0,
  completionTokens: 0,
  reasoningTokens: 0,
  costMicros: 0,
});

function add(target: Bucket, row: UsageSummaryRow & { errors?: number }): void {
  target.requests += row.requests;
  target.errors += row.errors ?? 0;
  target.promptTokens += row.promptTokens;
  target.cachedTokens += row.cachedTokens;
  target.completionTokens += row.completionTokens;
  target.reasoningTokens += row.reasoningTokens;
  target.costMicros += row.costMicros;
}

function bucketJson(group: string, bucket: Bucket) {
  return {
    group,
    requests: bucket.requests,
    errors: bucket.errors,
    input_tokens: bucket.promptTokens - bucket.cachedTokens,
    cached_tokens: bucket.cachedTokens,
    output_tokens: bucket.completionTokens - bucket.reasoningTokens,
    reasoning_tokens: bucket.reasoningTokens,
    cost_usd: bucket.costMicros / 1_000_000,
    cost_micros: bucket.costMicros,
  };
}

export function percentile(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] ?? null;
}

function localHour(instant: number, timeZone: string): string {
  return new Date(instant + offsetMinutes(instant, timeZone) * 60_000).toISOString().slice(0, 13);
}

/** Every local day from `from` to `to`, so charts show quiet days as zero (capped at 400 days). */
function daysBetween(from: string | undefined, to: string | undefined, timeZone: string): string[] {
  if (!from || !to) return [];
  const days: string[] = [];
  const end = Date.parse(to) - 1;
  for (let instant = Date.parse(from); instant <= end && days.length < 400; instant += 3_600_000) {
    const day = localDay(instant, timeZone);
    if (days.at(-1) !== day) days.push(day);
  }
  const last = localDay(end, timeZone);
  if (days.length < 400 && days.at(-1) !== last && Date.parse(from) <= end) days.push(last);
  return days;
}

export interface SummaryRequest {
  filter: UsageSummaryQuery;
  groupBy: string | undefined;
  tz: string | undefined;
}

export async function usageSummary(store: Store, request: SummaryRequest) {
  const timeZone = requireTimeZone(request.tz);
  const groupBy = request.groupBy as SummaryGroup | undefined;
  if (groupBy !== undefined && !GROUPS.includes(groupBy)) {
    throw new PorticoError('invalid_request', {
      message: `group_by must be one of ${GROUPS.join(', ')}`,
      param: 'group_by',
    });
  }
  const { filter } = request;
  const minutes = await store.usageByMinute(filter);
  const totals = empty();
  const groups = new Map<string, Bucket>();
  if (groupBy === 'day')
    for (const day of daysBetween(filter.from, filter.to, timeZone)) groups.set(day, empty());
  for (const row of minutes) {
    add(totals, row);
    if (groupBy !== 'day' && groupBy !== 'hour') continue;
    const instant = Date.parse(`${row.group}:00.000Z`);
    const name = groupBy === 'day' ? localDay(instant, timeZone) : localHour(instant, timeZone);
    const bucket = groups.get(name) ?? empty();
    add(bucket, row);
    groups.set(name, bucket);
  }
  if (groupBy === 'model' || groupBy === 'key') {
    for (const row of await store.usageSummary({ ...filter, groupBy })) {
      const bucket = empty();
      add(bucket, row);
      groups.set(row.group, bucket);
    }
  }
  if (groupBy === 'account') {
    for (const account of await store.listAccounts()) {
      if (filter.accountId !== undefined && account.id !== filter.accountId) continue;
      const [row] = await store.usageSummary({ ...filter, accountId: account.id });
      if (row && row.requests > 0) {
        const bucket = empty();
        add(bucket, row);
        groups.set(account.id, bucket);
      }
    }
  }
  const samples = await store.latencySamples({ ...filter, limit: 20_000 });
  const latencies = samples.map((sample) => sample.latencyMs).sort((a, b) => a - b);
  const ttfts = samples
    .flatMap((sample) => (sample.ttftMs === null ? [] : [sample.ttftMs]))
    .sort((a, b) => a - b);
  return {
    time_zone: timeZone,
    currency: 'USD',
    from: filter.from ?? null,
    to: filter.to ?? null,
    group_by: groupBy ?? null,
    totals: {
      ...bucketJson('all', totals),
      error_rate: totals.requests ? totals.errors / totals.requests : 0,
      latency_ms: { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95) },
      ttft_ms: { p50: percentile(ttfts, 0.5), p95: percentile(ttfts, 0.95) },
    },
    data: [...groups.entries()].map(([group, bucket]) => bucketJson(group, bucket)),
  };
}
