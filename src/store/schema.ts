/**
 * The tables, as Kysely sees them. Both dialects use the same column names and plain types: text
 * (ISO 8601 UTC times, JSON), integers (micro-USD, tokens) and 0/1 integers for flags, so one set of
 * query builders and row mappers serves SQLite and PostgreSQL. PostgreSQL returns BIGINT as a string;
 * the mappers convert with `Number()` (micro-USD stay far below 2^53).
 */
import type { ColumnType } from 'kysely';

/** An integer column: a number going in, a number or a numeric string coming out of the driver. */
type Int = ColumnType<number, number, number>;
type NullableInt = ColumnType<number | null, number | null, number | null>;

export interface AccountsTable {
  id: string;
  name: string;
  balance_micros: Int;
  held_micros: Int;
  status: string;
  created_at: string;
  rpm: Int | null;
  tpm: Int | null;
  max_concurrency: Int | null;
}

export interface ApiKeysTable {
  id: string;
  account_id: string;
  name: string | null;
  prefix: string;
  hash: string;
  /** JSON array of model names, or null for every model. */
  models: string | null;
  rpm: NullableInt;
  tpm: NullableInt;
  max_concurrency: NullableInt;
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
  updated_at: string;
  last_used_at: string | null;
}

export interface SettingsTable {
  name: string;
  value: string;
}

export interface LedgerTable {
  request_id: string;
  attempt: Int;
  account_id: string;
  key_id: string;
  model: string;
  deployment: string;
  held_micros: Int;
  cost_micros: Int;
  state: string;
  terminal_state: string | null;
  status: NullableInt;
  prompt_tokens: Int;
  cached_tokens: Int;
  completion_tokens: Int;
  reasoning_tokens: Int;
  total_tokens: Int;
  usage_estimated: Int;
  needs_review: Int;
  price_version: string | null;
  latency_ms: NullableInt;
  ttft_ms: NullableInt;
  stream: Int;
  error_code: string | null;
  process_id: string;
  created_at: string;
  settled_at: string | null;
  /** The upstream key's label (migration 003). */
  credential: string | null;
  /** The door that received the request (migration 004). */
  door: ColumnType<string, string | undefined, string>;
}

export interface CreditEntriesTable {
  id: string;
  account_id: string;
  amount_micros: Int;
  balance_after_micros: Int;
  note: string | null;
  actor: string;
  idempotency_key: string | null;
  created_at: string;
}

export interface AuditTable {
  id: string;
  actor: string;
  action: string;
  target: string;
  /** JSON object. */
  detail: string;
  created_at: string;
}

export interface IdempotencyTable {
  scope: string;
  key: string;
  account_id: string;
  request_hash: string;
  state: string;
  status: NullableInt;
  body: string | null;
  created_at: string;
  expires_at: string;
}

export interface SchemaMigrationsTable {
  name: string;
  applied_at: string;
}

export interface StoreDatabase {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  settings: SettingsTable;
  ledger: LedgerTable;
  credit_entries: CreditEntriesTable;
  audit: AuditTable;
  idempotency: IdempotencyTable;
  schema_migrations: SchemaMigrationsTable;
}
