/** Accounts and API keys on PostgreSQL. Every change is audited in the same transaction. */
import type { Updateable } from 'kysely';
import { ID_PREFIX, keyAuditDetail, keyPatchValues, newId } from '../common.ts';
import { toAccount, toApiKey } from '../mappers.ts';
import { assertMicros } from '../money.ts';
import * as q from '../queries.ts';
import type { AccountsTable } from '../schema.ts';
import type { AccountStore } from '../store.ts';
import type { Account } from '../types.ts';
import type { PostgresConnection } from './connection.ts';

export function postgresAccounts(connection: PostgresConnection): AccountStore {
  const { db } = connection;

  /** Update one account, audit it, return it; undefined when there is no such account. */
  function changeAccount(
    id: string,
    values: Pick<Updateable<AccountsTable>, 'name' | 'status' | 'rpm' | 'tpm' | 'max_concurrency'>,
    action: string,
    detail: Record<string, unknown>,
  ): Promise<Account | undefined> {
    return db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable('accounts')
        .set(values)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) return undefined;
      await connection.audit(tx, 'admin', action, id, detail, connection.now());
      return toAccount(row);
    });
  }

  return {
    async createAccount(input) {
      const credits = input.creditsMicros ?? 0;
      assertMicros('creditsMicros', credits);
      const actor = input.actor ?? 'system';
      return db.transaction().execute(async (tx) => {
        const now = connection.now();
        const id = newId(ID_PREFIX.account);
        const row = await tx
          .insertInto('accounts')
          .values({
            id,
            name: input.name,
            balance_micros: credits,
            held_micros: 0,
            status: 'active',
            created_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await connection.audit(
          tx,
          actor,
          'account.create',
          id,
          { name: input.name, creditsMicros: credits },
          now,
        );
        if (credits > 0) {
          await tx
            .insertInto('credit_entries')
            .values({
              id: newId(ID_PREFIX.credit),
              account_id: id,
              amount_micros: credits,
              balance_after_micros: credits,
              note: 'initial credits',
              actor,
              idempotency_key: null,
              created_at: now,
            })
            .execute();
        }
        return toAccount(row);
      });
    },

    async getAccount(id) {
      const row = await q.selectAccount(db, id).executeTakeFirst();
      return row ? toAccount(row) : undefined;
    },

    async listAccounts() {
      return (await q.selectAccounts(db).execute()).map(toAccount);
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
      return db.transaction().execute(async (tx) => {
        const now = connection.now();
        const id = newId('key_');
        const row = await tx
          .insertInto('api_keys')
          .values({
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
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await connection.audit(tx, 'admin', 'key.create', id, keyAuditDetail(input), now);
        return toApiKey(row);
      });
    },

    async getKey(id) {
      const row = await q.selectKey(db, id).executeTakeFirst();
      return row ? toApiKey(row) : undefined;
    },

    async findKeyByHash(hash) {
      const row = await q.selectKeyByHash(db, hash).executeTakeFirst();
      return row ? toApiKey(row) : undefined;
    },

    async listKeys(accountId) {
      return (await q.selectKeys(db, accountId).execute()).map(toApiKey);
    },

    async updateKey(id, patch) {
      return db.transaction().execute(async (tx) => {
        const now = connection.now();
        const row = await tx
          .updateTable('api_keys')
          .set(keyPatchValues(patch, now))
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        if (!row) return undefined;
        await connection.audit(tx, 'admin', 'key.update', id, { ...patch }, now);
        return toApiKey(row);
      });
    },

    /** Idempotent: revoking a revoked key returns it unchanged (and writes no second audit row). */
    async revokeKey(id) {
      return db.transaction().execute(async (tx) => {
        const now = connection.now();
        const revoked = await tx
          .updateTable('api_keys')
          .set({ revoked_at: now, updated_at: now })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .returningAll()
          .executeTakeFirst();
        if (revoked) {
          await connection.audit(tx, 'admin', 'key.revoke', id, {}, now);
          return toApiKey(revoked);
        }
        const row = await q.selectKey(tx, id).executeTakeFirst();
        return row ? toApiKey(row) : undefined;
      });
    },
  };
}
