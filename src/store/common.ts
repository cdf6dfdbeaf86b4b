/** Rules every dialect applies the same way: idempotency decisions, ids and times (money: money.ts). */
import type { Selectable } from 'kysely';
import { timeOrderedId } from '../ids.ts';
import type { UsageSummaryDbRow } from './queries.ts';
import type { IdempotencyTable } from './schema.ts';
import type { IdempotencyBegin, IdempotencyState, KeyPatch, NewApiKey, UsageSummaryRow } from './types.ts';

/** How long an idempotency entry is honoured; afterwards the key is new again. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * An `in_progress` entry older than this is treated as abandoned (its process died mid-request), so a
 * retry is not locked out for a whole day. Longer than any request may run.
 */
export const IDEMPOTENCY_LOCK_MS = 60 * 60 * 1000;

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

export const ID_PREFIX = {
  account: 'acct_',
  credit: 'cred_',
  audit: 'audit_',
} as const;

export function newId(prefix: string): string {
  return timeOrderedId(prefix);
}

export type IdempotencyDecision =
  { action: 'claim' } | { action: 'reclaim' } | { action: 'answer'; result: IdempotencyState };

/** What to do with an existing idempotency row (`undefined`: none) for a new `begin`. */
export function decideIdempotency(
  existing: Selectable<IdempotencyTable> | undefined,
  input: IdempotencyBegin,
  now: Date,
): IdempotencyDecision {
  if (!existing) return { action: 'claim' };
  const nowIso = now.toISOString();
  if (existing.expires_at <= nowIso) return { action: 'reclaim' };
  if (existing.account_id !== input.accountId || existing.request_hash !== input.requestHash) {
    return { action: 'answer', result: { state: 'mismatch' } };
  }
  if (existing.state === 'done' && existing.status !== null && existing.body !== null) {
    return {
      action: 'answer',
      result: { state: 'done', status: Number(existing.status), body: existing.body },
    };
  }
  const lockedUntil = new Date(Date.parse(existing.created_at) + IDEMPOTENCY_LOCK_MS).toISOString();
  if (lockedUntil <= nowIso) return { action: 'reclaim' };
  return { action: 'answer', result: { state: 'in_progress' } };
}

export function idempotencyExpiry(now: Date): string {
  return new Date(now.getTime() + IDEMPOTENCY_TTL_MS).toISOString();
}

export function toUsageSummaryRow(row: UsageSummaryDbRow): UsageSummaryRow {
  return {
    group: String(row.group_name),
    requests: Number(row.requests),
    promptTokens: Number(row.prompt_tokens ?? 0),
    cachedTokens: Number(row.cached_tokens ?? 0),
    completionTokens: Number(row.completion_tokens ?? 0),
    reasoningTokens: Number(row.reasoning_tokens ?? 0),
    costMicros: Number(row.cost_micros ?? 0),
  };
}

export function keyAuditDetail(input: NewApiKey): Record<string, unknown> {
  // Never the hash: the audit log is for people, and a hash is still a lookup handle.
  return {
    accountId: input.accountId,
    name: input.name ?? null,
    prefix: input.prefix,
    models: input.models ?? null,
    rpm: input.rpm ?? null,
    tpm: input.tpm ?? null,
    maxConcurrency: input.maxConcurrency ?? null,
    expiresAt: input.expiresAt ?? null,
  };
}

export function keyPatchValues(patch: KeyPatch, now: string) {
  return {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.models !== undefined
      ? { models: patch.models === null ? null : JSON.stringify(patch.models) }
      : {}),
    ...(patch.rpm !== undefined ? { rpm: patch.rpm } : {}),
    ...(patch.tpm !== undefined ? { tpm: patch.tpm } : {}),
    ...(patch.maxConcurrency !== undefined ? { max_concurrency: patch.maxConcurrency } : {}),
    ...(patch.expiresAt !== undefined ? { expires_at: patch.expiresAt } : {}),
    updated_at: now,
  };
}
