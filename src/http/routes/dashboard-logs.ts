/**
 * Request logs for the dashboard and scripts (`/admin/logs`, `/account/logs`, and their `.csv`): one row
 * per upstream attempt, newest first, cursor-paged, with the same filters in JSON and CSV so an export
 * always matches the screen. Money in USD; times ISO 8601 with an offset (UTC unless `tz` is given).
 */
import { PorticoError } from '../../errors.ts';
import type { LedgerCursor, LedgerPageQuery, LedgerRow, Store } from '../../store/types.ts';
import { formatInZone, requireTimeZone } from './dashboard-time.ts';

export const CSV_ROW_LIMIT = 100_000;

export type LogQueryString = Record<string, string | undefined>;

export function encodeCursor(row: LedgerRow): string {
  return Buffer.from(JSON.stringify([row.createdAt, row.requestId, row.attempt])).toString('base64url');
}

export function decodeCursor(value: string): LedgerCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 3) {
      const [createdAt, requestId, attempt] = parsed as unknown[];
      if (typeof createdAt === 'string' && typeof requestId === 'string' && typeof attempt === 'number') {
        return { createdAt, requestId, attempt };
      }
    }
  } catch {
    // fall through to the error below
  }
  throw new PorticoError('invalid_request', { message: 'cursor is not valid', param: 'cursor' });
}

function isoParam(value: string | undefined, param: string): string | undefined {
  if (!value) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new PorticoError('invalid_request', { message: `${param} must be an ISO 8601 time`, param });
  return new Date(time).toISOString();
}

function statusParam(value: string | undefined): LedgerPageQuery['status'] {
  if (!value) return undefined;
  if (value === 'ok' || value === 'error') return value;
  const status = Number(value);
  if (Number.isInteger(status) && status >= 100 && status <= 599) return status;
  throw new PorticoError('invalid_request', {
    message: "status must be 'ok', 'error' or an HTTP status",
    param: 'status',
  });
}

/** The filters of the query string; `accountId` comes from the caller, never trusted from a customer. */
export function logQuery(query: LogQueryString, accountId: string | undefined): LedgerPageQuery {
  return {
    accountId,
    keyId: query.key_id || undefined,
    model: query.model || undefined,
    status: statusParam(query.status),
    from: isoParam(query.from, 'from'),
    to: isoParam(query.to, 'to'),
    cursor: query.cursor ? decodeCursor(query.cursor) : undefined,
  };
}

export function logJson(row: LedgerRow, timeZone: string) {
  return {
    request_id: row.requestId,
    attempt: row.attempt,
    created_at: formatInZone(row.createdAt, timeZone),
    account_id: row.accountId,
    key_id: row.keyId,
    model: row.model,
    deployment: row.deployment,
    state: row.state,
    status: row.status,
    terminal_state: row.terminalState,
    error_code: row.errorCode,
    stream: row.stream,
    prompt_tokens: row.tokens.prompt,
    cached_tokens: row.tokens.cachedPrompt,
    completion_tokens: row.tokens.completion,
    reasoning_tokens: row.tokens.reasoning,
    total_tokens: row.tokens.total,
    cost_usd: row.costMicros / 1_000_000,
    cost_micros: row.costMicros,
    latency_ms: row.latencyMs,
    ttft_ms: row.ttftMs,
  };
}

export async function logPage(store: Store, query: LogQueryString, accountId: string | undefined) {
  const timeZone = requireTimeZone(query.tz);
  const limit = Math.max(1, Math.min(500, Number(query.limit) || 50));
  const filters = logQuery(query, accountId);
  const rows = await store.ledgerPage({ ...filters, limit: limit + 1 });
  const totals = await store.ledgerTotals(filters);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map((row) => logJson(row, timeZone)),
    next_cursor: rows.length > limit && last ? encodeCursor(last) : null,
    totals: {
      requests: totals.rows,
      cost_usd: totals.costMicros / 1_000_000,
      cost_micros: totals.costMicros,
    },
    time_zone: timeZone,
    currency: 'USD',
  };
}

const CSV_COLUMNS = [
  'created_at',
  'request_id',
  'attempt',
  'account_id',
  'key_id',
  'model',
  'status',
  'stream',
  'prompt_tokens',
  'cached_tokens',
  'completion_tokens',
  'reasoning_tokens',
  'total_tokens',
  'cost_usd',
  'latency_ms',
  'ttft_ms',
  'error_code',
] as const;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? String(value) : String(value);
  // Quote when needed, and defuse spreadsheet formulas (=, +, -, @ at the start of a text cell).
  const safe = typeof value === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Every row the filters match (up to CSV_ROW_LIMIT), walking the same cursor pages as the screen. */
export async function logCsv(
  store: Store,
  query: LogQueryString,
  accountId: string | undefined,
): Promise<string> {
  const timeZone = requireTimeZone(query.tz);
  const filters = logQuery({ ...query, cursor: undefined }, accountId);
  const columns =
    accountId === undefined ? CSV_COLUMNS : CSV_COLUMNS.filter((column) => column !== 'account_id');
  const lines = [columns.join(',')];
  let cursor: LedgerCursor | undefined;
  while (lines.length - 1 < CSV_ROW_LIMIT) {
    const rows = await store.ledgerPage({ ...filters, cursor, limit: 1000 });
    for (const row of rows) {
      const json: Record<string, unknown> = logJson(row, timeZone);
      json.cost_usd = (row.costMicros / 1_000_000).toFixed(6);
      lines.push(columns.map((column) => csvCell(json[column])).join(','));
    }
    const last = rows.at(-1);
    if (rows.length < 1000 || !last) break;
    cursor = { createdAt: last.createdAt, requestId: last.requestId, attempt: last.attempt };
  }
  return lines.join('\r\n') + '\r\n';
}
