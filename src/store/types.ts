/**
 * The store's records. The interfaces per concern are in store.ts; SQLite (default) and PostgreSQL
 * (scale-out) implement them with Kysely, and one contract suite (test/contract) runs against each.
 * Money is integer micro-USD everywhere.
 */

export type AccountStatus = 'active' | 'suspended';

export interface Account {
  id: string;
  name: string;
  /** Spendable balance in micro-USD, after subtracting open holds. Never negative. */
  balanceMicros: number;
  /** Sum of open holds in micro-USD. */
  heldMicros: number;
  status: AccountStatus;
  createdAt: string;
  /** Limits shared by every key of the account (null = none); keys may have tighter ones. */
  limits: AccountLimits;
}

export interface AccountLimits {
  rpm: number | null;
  tpm: number | null;
  maxConcurrency: number | null;
}

export interface ApiKeyRecord {
  id: string;
  accountId: string;
  name: string | null;
  /** Display prefix, e.g. `sk-port-AbCd`; never enough to authenticate. */
  prefix: string;
  /** Hex SHA-256 of the full key. The key itself is never stored. */
  hash: string;
  /** Model allow-list; null = every model. */
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  maxConcurrency: number | null;
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface NewApiKey {
  accountId: string;
  name?: string | null;
  prefix: string;
  hash: string;
  models?: string[] | null;
  rpm?: number | null;
  tpm?: number | null;
  maxConcurrency?: number | null;
  expiresAt?: string | null;
}

export type KeyPatch = Partial<
  Pick<ApiKeyRecord, 'name' | 'models' | 'rpm' | 'tpm' | 'maxConcurrency' | 'expiresAt'>
>;

export type TerminalState =
  'ok' | 'upstream_error' | 'client_disconnected' | 'timeout' | 'rejected' | 'recovered';

export interface HoldInput {
  requestId: string;
  /** 1-based upstream attempt number; (requestId, attempt) is unique. */
  attempt: number;
  accountId: string;
  keyId: string;
  model: string;
  deployment: string;
  amountMicros: number;
  /** Which process holds it, so start-up recovery can find holds whose process died. */
  processId: string;
  /** The label of the upstream key the attempt will use, when known at hold time (never the secret). */
  credential?: string | null;
  /** The door (inbound dialect) that received the request; default `openai-chat`. */
  door?: string;
}

export type HoldResult = { ok: true } | { ok: false; balanceMicros: number };

export interface UsageTokens {
  prompt: number;
  cachedPrompt: number;
  completion: number;
  reasoning: number;
  total: number;
}

export interface SettleInput {
  requestId: string;
  attempt: number;
  /** The real cost; the store clamps it to the held amount (a hold is an upper bound). */
  costMicros: number;
  tokens: UsageTokens;
  usageEstimated: boolean;
  terminalState: TerminalState;
  status: number;
  priceVersion: string;
  latencyMs: number;
  ttftMs: number | null;
  stream: boolean;
  errorCode?: string | null;
  /** The label of the upstream key that served (or failed) the attempt; absent keeps the hold's. */
  credential?: string | null;
}

export interface LedgerRow {
  requestId: string;
  attempt: number;
  accountId: string;
  keyId: string;
  model: string;
  deployment: string;
  heldMicros: number;
  costMicros: number;
  state: 'held' | 'settled';
  terminalState: TerminalState | null;
  status: number | null;
  tokens: UsageTokens;
  usageEstimated: boolean;
  needsReview: boolean;
  priceVersion: string | null;
  latencyMs: number | null;
  ttftMs: number | null;
  stream: boolean;
  errorCode: string | null;
  createdAt: string;
  settledAt: string | null;
  /** The process that made the hold (start-up recovery tells live holders from dead ones). */
  processId: string;
  /** The label of the upstream key that served the attempt (key pools); null when not recorded. */
  credential: string | null;
  /** The door (inbound dialect) that received the request. */
  door: string;
}

export interface CreditInput {
  accountId: string;
  amountMicros: number;
  note?: string | null;
  actor: string;
  idempotencyKey?: string | null;
}

export interface CreditEntry {
  id: string;
  accountId: string;
  amountMicros: number;
  balanceAfterMicros: number;
  note: string | null;
  actor: string;
  createdAt: string;
}

export interface UsageQuery {
  accountId?: string;
  keyId?: string;
  model?: string;
  /** Inclusive lower bound on `createdAt` (ISO time). */
  from?: string;
  /** Exclusive upper bound on `createdAt` (ISO time). */
  to?: string;
  limit?: number;
}

export type UsageGroupBy = 'day' | 'model' | 'key';

export interface UsageSummaryQuery {
  accountId?: string;
  keyId?: string;
  model?: string;
  from?: string;
  to?: string;
  /** Without it, one row (group `all`) totals everything that matched. */
  groupBy?: UsageGroupBy;
}

export interface UsageSummaryRow {
  /** The day (`YYYY-MM-DD`, UTC), the model, the key id, or `all`. */
  group: string;
  requests: number;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  costMicros: number;
}

export interface IdempotencyBegin {
  /** What the key protects, e.g. `chat` or `credit`; keys are unique per scope. */
  scope: string;
  key: string;
  /** Hash of the request body; the same key with a different hash is a mismatch. */
  requestHash: string;
  accountId: string;
}

export type IdempotencyState =
  | { state: 'new' }
  | { state: 'in_progress' }
  | { state: 'done'; status: number; body: string }
  | { state: 'mismatch' };

export interface AuditEntry {
  id: string;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
  createdAt: string;
}

/** The store, as the rest of the code sees it: every concern's methods on one object (see store.ts). */
export type {
  AccountStore,
  AuditStore,
  ConfigurationStore,
  IdempotencyStore,
  LedgerStore,
  ReportingStore,
  Store,
  StoreLifecycle,
} from './store.ts';

// ---- dashboard (issue 8) ---------------------------------------------------------------------------

export interface LedgerCursor {
  createdAt: string;
  requestId: string;
  attempt: number;
}

export interface LedgerPageQuery extends UsageQuery {
  /** `ok` = 2xx, `error` = anything else (or none), a number = that status. */
  status?: 'ok' | 'error' | number;
  cursor?: LedgerCursor;
}

export interface UsageBucketRow extends UsageSummaryRow {
  errors: number;
}

export interface KeyActivity {
  keyId: string;
  lastUsedAt: string | null;
  requests: number;
  costMicros: number;
}

export interface LatencySample {
  latencyMs: number;
  ttftMs: number | null;
}

export interface AuditPageQuery {
  action?: string;
  actor?: string;
  target?: string;
  before?: { createdAt: string; id: string };
  limit?: number;
}
