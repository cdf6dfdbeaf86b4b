/**
 * The store, split by concern. Each concern is a small interface with one implementation per dialect
 * (`sqlite/<concern>.ts`, `postgres/<concern>.ts`); `Store` is all of them on one object, so callers
 * keep writing `store.hold(...)` while a module that needs one concern can ask for just that one.
 */
import type {
  Account,
  AccountLimits,
  AccountStatus,
  ApiKeyRecord,
  AuditEntry,
  AuditPageQuery,
  CreditEntry,
  CreditInput,
  HoldInput,
  HoldResult,
  IdempotencyBegin,
  IdempotencyState,
  KeyActivity,
  KeyPatch,
  LatencySample,
  LedgerPageQuery,
  LedgerRow,
  NewApiKey,
  SettleInput,
  UsageBucketRow,
  UsageQuery,
  UsageSummaryQuery,
  UsageSummaryRow,
} from './types.ts';

export type StoreDialect = 'sqlite' | 'postgres';

export interface StoreLifecycle {
  readonly dialect: StoreDialect;
  /** Apply the missing migrations (append-only, per dialect); safe from many processes at once. */
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Accounts and their API keys (every change audited). */
export interface AccountStore {
  createAccount(input: { name: string; creditsMicros?: number; actor?: string }): Promise<Account>;
  getAccount(id: string): Promise<Account | undefined>;
  listAccounts(): Promise<Account[]>;
  setAccountStatus(id: string, status: AccountStatus): Promise<Account | undefined>;
  /** Replace the account-wide limits (audited). */
  setAccountLimits(id: string, limits: AccountLimits): Promise<Account | undefined>;
  renameAccount(id: string, name: string): Promise<Account | undefined>;

  createKey(input: NewApiKey): Promise<ApiKeyRecord>;
  getKey(id: string): Promise<ApiKeyRecord | undefined>;
  findKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  listKeys(accountId?: string): Promise<ApiKeyRecord[]>;
  updateKey(id: string, patch: KeyPatch): Promise<ApiKeyRecord | undefined>;
  revokeKey(id: string): Promise<ApiKeyRecord | undefined>;
}

/** Money: holds, settles, recovery of lost holds, credits. The rules themselves live in money.ts. */
export interface LedgerStore {
  /** Atomically move `amountMicros` from balance to held, or refuse without writing. */
  hold(input: HoldInput): Promise<HoldResult>;
  /** Settle a hold: charge min(cost, held), release the rest, record usage. Idempotent per attempt. */
  settle(input: SettleInput): Promise<LedgerRow>;
  /**
   * Settle every open hold not owned by a live process (`liveProcessIds`), at the held amount, flagged
   * for review. Returns the rows it settled.
   */
  recoverStaleHolds(liveProcessIds: readonly string[]): Promise<LedgerRow[]>;
  openHolds(accountId?: string): Promise<LedgerRow[]>;
  /** Newest first. */
  ledger(query: UsageQuery): Promise<LedgerRow[]>;
  /** One ledger row by its key, held or settled. */
  ledgerRow(requestId: string, attempt: number): Promise<LedgerRow | undefined>;

  /** Top-up (positive) or correction (negative, never below zero). Idempotent per idempotencyKey. */
  credit(input: CreditInput): Promise<{ entry: CreditEntry; replayed: boolean }>;
  credits(accountId: string): Promise<CreditEntry[]>;
}

export interface IdempotencyStore {
  /**
   * Claim an idempotency key atomically: `new` means the caller owns it and must later complete or
   * abandon it. Entries expire after 24 hours (then the key is new again).
   */
  beginIdempotent(input: IdempotencyBegin): Promise<IdempotencyState>;
  /** Record the final response so retries replay it. */
  completeIdempotent(input: { scope: string; key: string; status: number; body: string }): Promise<void>;
  /** Release a claimed key after a failure a retry may fix. */
  abandonIdempotent(input: { scope: string; key: string }): Promise<void>;
}

export interface AuditStore {
  /** Newest first. */
  auditLog(query?: { target?: string; limit?: number }): Promise<AuditEntry[]>;
  auditPage(query: AuditPageQuery): Promise<AuditEntry[]>;
  recordAudit(entry: {
    actor: string;
    action: string;
    target: string;
    detail: Record<string, unknown>;
  }): Promise<void>;
}

/** Operator configuration kept in the database (named settings). */
export interface ConfigurationStore {
  getSetting(name: string): Promise<string | undefined>;
  setSetting(name: string, value: string): Promise<void>;
  /** Every setting whose name starts with `prefix`, by name. */
  listSettings(prefix: string): Promise<Array<{ name: string; value: string }>>;
}

/** Read models over the ledger for the usage API and the dashboard. */
export interface ReportingStore {
  /** Totals over settled ledger rows, optionally grouped. */
  usageSummary(query: UsageSummaryQuery): Promise<UsageSummaryRow[]>;
  /** Newest first, cursor-paged, filtered by key, model, status and time. */
  ledgerPage(query: LedgerPageQuery): Promise<LedgerRow[]>;
  /** Count and cost of every row a `ledgerPage` query matches (its cursor ignored). */
  ledgerTotals(query: LedgerPageQuery): Promise<{ rows: number; costMicros: number }>;
  /** Settled totals per UTC minute (`group` = `YYYY-MM-DDTHH:MM`), with error counts. */
  usageByMinute(query: UsageSummaryQuery): Promise<UsageBucketRow[]>;
  keyActivity(accountId?: string): Promise<KeyActivity[]>;
  latencySamples(query: UsageSummaryQuery & { limit?: number }): Promise<LatencySample[]>;
}

/** What one dialect provides: a factory per concern over its own connection (Kysely's dialect shape). */
export interface StoreParts {
  lifecycle: StoreLifecycle;
  accounts: AccountStore;
  ledger: LedgerStore;
  idempotency: IdempotencyStore;
  audit: AuditStore;
  configuration: ConfigurationStore;
  reporting: ReportingStore;
}

export type Store = StoreLifecycle &
  AccountStore &
  LedgerStore &
  IdempotencyStore &
  AuditStore &
  ConfigurationStore &
  ReportingStore;

/**
 * One object with every concern's methods. The parts are plain objects of closures (no `this`), so
 * copying their methods is enough. A name two parts both define is a bug: refused at start-up.
 */
export function composeStore<Extra extends object>(parts: StoreParts, extra: Extra): Store & Extra {
  const composed: Record<string, unknown> = {};
  for (const part of [...Object.values(parts), extra] as object[]) {
    for (const [name, value] of Object.entries(part)) {
      if (name in composed) throw new Error(`store: '${name}' is defined by two concerns`);
      composed[name] = value;
    }
  }
  return composed as Store & Extra;
}
