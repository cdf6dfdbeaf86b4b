/**
 * Ledger checks for the door tests: an account's usage rows (`GET /admin/usage?account_id=`), and the cost
 * a row's counts come to at the price version stored on it (`in1.5-cin0.15-out9...`), recomputed here from
 * the row alone so a test checks the bill, not just that a number was stored.
 */
import assert from 'node:assert/strict';
import type { Gateway } from './gateway.ts';

export interface LedgerRow {
  request_id: string;
  attempt: number;
  model: string;
  state: string;
  terminal_state: string;
  status: number;
  prompt_tokens: number;
  cached_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  usage_estimated: boolean;
  cost_micros: number;
  price_version: string;
  stream: boolean;
  door: string;
  error_code: string | null;
}

/** The account's rows, oldest first. */
export async function ledgerRows(gateway: Gateway, accountId: string): Promise<LedgerRow[]> {
  const usage = await gateway.admin('GET', `/admin/usage?account_id=${accountId}&limit=1000`);
  assert.equal(usage.status, 200, JSON.stringify(usage.body));
  return [...(usage.body.data as LedgerRow[])].reverse();
}

/** Micro-USD for a text-only row at its price version: prices in USD per 1M tokens, rounded up. */
export function rowCostMicros(row: LedgerRow): number {
  const match = /^in([\d.]+)-cin([\d.]+)-out([\d.]+)/.exec(row.price_version);
  assert.ok(match, `price version ${row.price_version}`);
  const [input, cached, output] = match.slice(1).map((price) => Math.round(Number(price) * 1000));
  const output_tokens = Math.max(row.completion_tokens, row.reasoning_tokens);
  const scaled =
    (row.prompt_tokens - row.cached_tokens) * (input as number) +
    row.cached_tokens * (cached as number) +
    output_tokens * (output as number);
  return Math.ceil(scaled / 1000);
}
