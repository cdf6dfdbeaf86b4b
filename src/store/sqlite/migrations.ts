/**
 * SQLite schema, as an ordered list of migrations. `migrate()` applies the missing ones inside one
 * BEGIN IMMEDIATE transaction, so two processes starting together cannot both apply one. Never edit a
 * shipped migration: append a new one.
 */
import type Database from 'better-sqlite3';

export interface SqliteMigration {
  readonly name: string;
  readonly sql: string;
}

export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    name: '001-initial',
    sql: `
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  balance_micros INTEGER NOT NULL DEFAULT 0 CHECK (balance_micros >= 0),
  held_micros INTEGER NOT NULL DEFAULT 0 CHECK (held_micros >= 0),
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  name TEXT,
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  models TEXT,
  rpm INTEGER,
  tpm INTEGER,
  max_concurrency INTEGER,
  expires_at TEXT,
  revoked_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_used_at TEXT
) STRICT;
CREATE INDEX api_keys_account ON api_keys (account_id);
CREATE INDEX api_keys_updated ON api_keys (updated_at);

CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE ledger (
  request_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  key_id TEXT NOT NULL,
  model TEXT NOT NULL,
  deployment TEXT NOT NULL,
  held_micros INTEGER NOT NULL CHECK (held_micros >= 0),
  cost_micros INTEGER NOT NULL DEFAULT 0 CHECK (cost_micros >= 0 AND cost_micros <= held_micros),
  state TEXT NOT NULL CHECK (state IN ('held', 'settled')),
  terminal_state TEXT,
  status INTEGER,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  cached_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  reasoning_tokens INTEGER NOT NULL DEFAULT 0,
  total_tokens INTEGER NOT NULL DEFAULT 0,
  usage_estimated INTEGER NOT NULL DEFAULT 0,
  needs_review INTEGER NOT NULL DEFAULT 0,
  price_version TEXT,
  latency_ms INTEGER,
  ttft_ms INTEGER,
  stream INTEGER NOT NULL DEFAULT 0,
  error_code TEXT,
  process_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  settled_at TEXT,
  PRIMARY KEY (request_id, attempt)
) STRICT;
CREATE INDEX ledger_account_time ON ledger (account_id, created_at);
CREATE INDEX ledger_key_time ON ledger (key_id, created_at);
CREATE INDEX ledger_time ON ledger (created_at);
CREATE INDEX ledger_open ON ledger (process_id) WHERE state = 'held';

CREATE TABLE credit_entries (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  amount_micros INTEGER NOT NULL,
  balance_after_micros INTEGER NOT NULL,
  note TEXT,
  actor TEXT NOT NULL,
  idempotency_key TEXT UNIQUE,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX credit_entries_account ON credit_entries (account_id, created_at);

CREATE TABLE audit (
  id TEXT PRIMARY KEY,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX audit_target ON audit (target, created_at);

CREATE TABLE idempotency (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  account_id TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('in_progress', 'done')),
  status INTEGER,
  body TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (scope, key)
) STRICT;
CREATE INDEX idempotency_expiry ON idempotency (expires_at);
`,
  },
  {
    name: '002-account-limits',
    sql: `
ALTER TABLE accounts ADD COLUMN rpm INTEGER;
ALTER TABLE accounts ADD COLUMN tpm INTEGER;
ALTER TABLE accounts ADD COLUMN max_concurrency INTEGER;
`,
  },
  {
    // Which upstream key served the attempt, by its label (never the secret); null before key pools.
    name: '003-ledger-credential',
    sql: `ALTER TABLE ledger ADD COLUMN credential TEXT;`,
  },
  {
    // Which door (inbound dialect) received the request: openai-chat, openai-responses, ...
    name: '004-ledger-door',
    sql: `ALTER TABLE ledger ADD COLUMN door TEXT NOT NULL DEFAULT 'openai-chat';`,
  },
];

/** Applies the missing migrations; safe to call any number of times, from any number of processes. */
export function migrateSqlite(db: Database.Database, now: () => string): string[] {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL) STRICT',
  );
  const apply = db.transaction((): string[] => {
    const done = new Set(
      (db.prepare('SELECT name FROM schema_migrations').all() as Array<{ name: string }>).map(
        (row) => row.name,
      ),
    );
    const applied: string[] = [];
    for (const migration of SQLITE_MIGRATIONS) {
      if (done.has(migration.name)) continue;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run(migration.name, now());
      applied.push(migration.name);
    }
    return applied;
  });
  return apply.immediate();
}
