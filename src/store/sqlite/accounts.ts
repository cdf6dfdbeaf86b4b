/** Accounts and API keys on SQLite. Every change is audited in the same transaction. */
import type { Selectable, Updateable } from 'kysely';
import { ID_PREFIX, keyAuditDetail, keyPatchValues, newId } from '../common.ts';
import { AccountNotFoundError } from '../errors.ts';
import { toAccount, toApiKey } from '../mappers.ts';
import { assertMicros } from '../money.ts';
import * as q from '../queries.ts';
import type { AccountsTable } from '../schema.ts';
import type { AccountStore } from '../store.ts';
import type { Account } from '../types.ts';
import type { SqliteConnection } from './connection.ts';

/** On the request path (before every hold): a cached prepared statement, not a compiled query. */
const ACCOUNT_SQL = 'SELECT * FROM accounts WHERE id = ?';

export function requireSqliteAccount(connection: SqliteConnection, id: string): Account {
  const row = connection.prepare(ACCOUNT_SQL).get(id) as Selectable<AccountsTable> | undefined;
  if (!row) throw new AccountNotFoundError(id);
  return toAccount(row);
}

export function sqliteAccounts(connection: SqliteConnection): AccountStore {
  const { kysely } = connection;

  /** Update one account, audit it, return it; undefined when there is no such account. */
  function changeAccount(
    id: string,
    values: Pick<Updateable<AccountsTable>, 'name' | 'status' | 'rpm' | 'tpm' | 'max_concurrency'>,
    action: string,
    detail: Record<string, unknown>,
  ): Account | undefined {
    return connection.immediate(() => {
      const changed = connection.run(kysely.updateTable('accounts').set(values).where('id', '=', id)).changes;
      if (changed === 0) return undefined;
      connection.audit('admin', action, id, detail, connection.now());
      return requireSqliteAccount(connection, id);
    });
  }

  function readKey(id: string) {
    const row = connection.first(q.selectKey(kysely, id));
    return row ? toApiKey(row) : undefined;
  }

  return {
    async createAccount(input) {
      const credits = input.creditsMicros ?? 0;
      assertMicros('creditsMicros', credits);
      const actor = input.actor ?? 'system';
      return connection.immediate(() => {
        const now = connection.now();
        const id = newId(ID_PREFIX.account);
        connection.run(
          kysely.insertInto('accounts').values({
            id,
            name: input.name,
            balance_micros: credits,
            held_micros: 0,
            status: 'active',
            created_at: now,
          }),
        );
        connection.audit(actor, 'account.create', id, { name: input.name, creditsMicros: credits }, now);
        if (credits > 0) {
          connection.run(
            kysely.insertInto('credit_entries').values({
              id: newId(ID_PREFIX.credit),
              account_id: id,
              amount_micros: credits,
              balance_after_micros: credits,
              note: 'initial credits',
              actor,
              idempotency_key: null,
              created_at: now,
            }),
          );
        }
        return requireSqliteAccount(connection, id);
      });
    },

    async getAccount(id) {
      const row = connection.prepare(ACCOUNT_SQL).get(id) as Selectable<AccountsTable> | undefined;
      return row ? toAccount(row) : undefined;
    },

    async listAccounts() {
      return connection.all(q.selectAccounts(kysely)).map(toAccount);
    },

    async setAccountStatus(id, status) {
      return changeAccount(id, { status }, 'account.status', { status });
    },

    async setAccountLimits(id, limits) {
      return changeAccount(
        id,
        { rpm: limits.rpm, tpm: limits.tpm, max_concurrency: limits.maxConcurrency },
        'account.limits',
        { ...limits },
      );
    },

    async renameAccount(id, name) {
      return changeAccount(id, { name }, 'account.rename', { name });
    },

    async createKey(input) {
      return connection.immediate(() => {
        const now = connection.now();
        const id = newId('key_');
        const values = {
          id,
          account_id: input.accountId,
          name: input.name ?? null,
          prefix: input.prefix,
          hash: input.hash,
          models: input.models === undefined || input.models === null ? null : JSON.stringify(input.models),
          rpm: input.rpm ?? null,
          tpm: input.tpm ?? null,
          max_concurrency: input.maxConcurrency ?? null,
          expires_at: input.expiresAt ?? null,
          revoked_at: null,
          created_at: now,
          updated_at: now,
          last_used_at: null,
        };
        connection.run(kysely.insertInto('api_keys').values(values));
        connection.audit('admin', 'key.create', id, keyAuditDetail(input), now);
        return toApiKey({ ...values });
      });
    },

    async getKey(id) {
      return readKey(id);
    },

    async findKeyByHash(hash) {
      const row = connection.first(q.selectKeyByHash(kysely, hash));
      return row ? toApiKey(row) : undefined;
    },

    async listKeys(accountId) {
      return connection.all(q.selectKeys(kysely, accountId)).map(toApiKey);
    },

    async updateKey(id, patch) {
      return connection.immediate(() => {
        const now = connection.now();
        const changed = connection.run(
          kysely.updateTable('api_keys').set(keyPatchValues(patch, now)).where('id', '=', id),
        ).changes;
        if (changed === 0) return undefined;
        connection.audit('admin', 'key.update', id, { ...patch }, now);
        return readKey(id);
      });
    },

    /** Idempotent: revoking a revoked key returns it unchanged (and writes no second audit row). */
    async revokeKey(id) {
      return connection.immediate(() => {
        const now = connection.now();
        const changed = connection.run(
          kysely
            .updateTable('api_keys')
            .set({ revoked_at: now, updated_at: now })
            .where('id', '=', id)
            .where('revoked_at', 'is', null),
        ).changes;
        if (changed > 0) connection.audit('admin', 'key.revoke', id, {}, now);
        return readKey(id);
      });
    },
  };
}
