/**
 * The usage log as the admin API, the CLI and CSV exports present it: one row per upstream attempt, or
 * totals grouped by day, model or key. Money in USD with micro-USD alongside, so nothing is rounded away.
 */
import type { LedgerRow, UsageGroupBy, UsageSummaryRow } from '../store/types.ts';

export function usageRowJson(row: LedgerRow) {
  return {
    request_id: row.requestId,
    attempt: row.attempt,
    account_id: row.accountId,
    key_id: row.keyId,
    model: row.model,
    deployment: row.deployment,
    state: row.state,
    terminal_state: row.terminalState,
    status: row.status,
    prompt_tokens: row.tokens.prompt,
    cached_tokens: row.tokens.cachedPrompt,
    completion_tokens: row.tokens.completion,
    reasoning_tokens: row.tokens.reasoning,
    total_tokens: row.tokens.total,
    usage_estimated: row.usageEstimated,
    needs_review: row.needsReview,
    held_usd: row.heldMicros / 1_000_000,
    cost_usd: row.costMicros / 1_000_000,
    cost_micros: row.costMicros,
    price_version: row.priceVersion,
    latency_ms: row.latencyMs,
    ttft_ms: row.ttftMs,
    stream: row.stream,
    door: row.door,
    credential: row.credential,
    error_code: row.errorCode,
    created_at: row.createdAt,
    settled_at: row.settledAt,
  };
}

export function summaryRowJson(row: UsageSummaryRow, groupBy: UsageGroupBy | undefined) {
  return {
    [groupBy ?? 'group']: row.group,
    requests: row.requests,
    prompt_tokens: row.promptTokens,
    cached_tokens: row.cachedTokens,
    completion_tokens: row.completionTokens,
    reasoning_tokens: row.reasoningTokens,
    cost_usd: row.costMicros / 1_000_000,
    cost_micros: row.costMicros,
  };
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  // Quote when needed; neutralise spreadsheet formulas (a cell starting with = + - @).
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(rows: ReadonlyArray<Record<string, unknown>>): string {
  if (rows.length === 0) return '';
  const columns = Object.keys(rows[0] as Record<string, unknown>);
  const lines = [columns.join(',')];
  for (const row of rows) lines.push(columns.map((column) => csvCell(row[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function parseGroupBy(value: string | undefined): UsageGroupBy | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'day' || value === 'model' || value === 'key') return value;
  throw new Error('group_by must be day, model or key');
}
