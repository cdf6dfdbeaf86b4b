/** Database rows -> the domain records of `types.ts`, the same for every dialect. */
import type { Selectable } from 'kysely';
import type { AccountsTable, ApiKeysTable, AuditTable, CreditEntriesTable, LedgerTable } from './schema.ts';
import type {
  Account,
  AccountStatus,
  ApiKeyRecord,
  AuditEntry,
  CreditEntry,
  LedgerRow,
  TerminalState,
} from './types.ts';

const int = (value: unknown): number => Number(value);
const intOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

export function toAccount(row: Selectable<AccountsTable>): Account {
  return {
    id: row.id,
    name: row.name,
    balanceMicros: int(row.balance_micros),
    heldMicros: int(row.held_micros),
    status: row.status as AccountStatus,
    createdAt: row.created_at,
    limits: {
      rpm: intOrNull(row.rpm),
      tpm: intOrNull(row.tpm),
      maxConcurrency: intOrNull(row.max_concurrency),
    },
  };
}

function parseModels(value: string | null): string[] | null {
  if (value === null) return null;
  const parsed: unknown = JSON.parse(value);
  return Array.isArray(parsed) ? parsed.filter((entry): entry is string => typeof entry === 'string') : null;
}

export function toApiKey(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    prefix: row.prefix,
    hash: row.hash,
    models: parseModels(row.models),
    rpm: intOrNull(row.rpm),
    tpm: intOrNull(row.tpm),
    maxConcurrency: intOrNull(row.max_concurrency),
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

export function toLedgerRow(row: Selectable<LedgerTable>): LedgerRow {
  return {
    requestId: row.request_id,
    attempt: int(row.attempt),
    accountId: row.account_id,
    keyId: row.key_id,
    model: row.model,
    deployment: row.deployment,
    heldMicros: int(row.held_micros),
    costMicros: int(row.cost_micros),
    state: row.state === 'settled' ? 'settled' : 'held',
    terminalState: row.terminal_state as TerminalState | null,
    status: intOrNull(row.status),
    tokens: {
      prompt: int(row.prompt_tokens),
      cachedPrompt: int(row.cached_tokens),
      completion: int(row.completion_tokens),
      reasoning: int(row.reasoning_tokens),
      total: int(row.total_tokens),
    },
    usageEstimated: int(row.usage_estimated) === 1,
    needsReview: int(row.needs_review) === 1,
    priceVersion: row.price_version,
    latencyMs: intOrNull(row.latency_ms),
    ttftMs: intOrNull(row.ttft_ms),
    stream: int(row.stream) === 1,
    errorCode: row.error_code,
    createdAt: row.created_at,
    settledAt: row.settled_at,
    processId: row.process_id,
    credential: row.credential ?? null,
    door: row.door ?? 'openai-chat',
  };
}

export function toCreditEntry(row: Selectable<CreditEntriesTable>): CreditEntry {
  return {
    id: row.id,
    accountId: row.account_id,
    amountMicros: int(row.amount_micros),
    balanceAfterMicros: int(row.balance_after_micros),
    note: row.note,
    actor: row.actor,
    createdAt: row.created_at,
  };
}

export function toAuditEntry(row: Selectable<AuditTable>): AuditEntry {
  const parsed: unknown = JSON.parse(row.detail);
  const detail = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
  return {
    id: row.id,
    actor: row.actor,
    action: row.action,
    target: row.target,
    detail: detail as Record<string, unknown>,
    createdAt: row.created_at,
  };
}
