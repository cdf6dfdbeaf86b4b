/**
 * Idempotency keys on PostgreSQL: the primary key decides who claims a new key; an existing row is
 * locked (`FOR UPDATE`) before the shared rule in common.ts decides what to answer.
 */
import { decideIdempotency, idempotencyExpiry } from '../common.ts';
import * as q from '../queries.ts';
import type { IdempotencyStore } from '../store.ts';
import type { IdempotencyState } from '../types.ts';
import type { PostgresConnection } from './connection.ts';

export function postgresIdempotency(connection: PostgresConnection): IdempotencyStore {
  const { db } = connection;
  return {
    async beginIdempotent(input) {
      return db.transaction().execute(async (tx): Promise<IdempotencyState> => {
        const now = connection.clock();
        const values = {
          account_id: input.accountId,
          request_hash: input.requestHash,
          state: 'in_progress',
          status: null,
          body: null,
          created_at: now.toISOString(),
          expires_at: idempotencyExpiry(now),
        };
        const claimed = await tx
          .insertInto('idempotency')
          .values({ scope: input.scope, key: input.key, ...values })
          .onConflict((conflict) => conflict.columns(['scope', 'key']).doNothing())
          .returning('key')
          .executeTakeFirst();
        if (claimed) return { state: 'new' };
        const existing = await q.selectIdempotency(tx, input.scope, input.key).forUpdate().executeTakeFirst();
        const decision = decideIdempotency(existing, input, now);
        if (decision.action === 'answer') return decision.result;
        if (decision.action === 'claim') {
          // Deleted between our insert and our read: claim it now (the row lock is ours).
          await tx
            .insertInto('idempotency')
            .values({ scope: input.scope, key: input.key, ...values })
            .execute();
        } else {
          await tx
            .updateTable('idempotency')
            .set(values)
            .where('scope', '=', input.scope)
            .where('key', '=', input.key)
            .execute();
        }
        return { state: 'new' };
      });
    },

    async completeIdempotent(input) {
      await db
        .updateTable('idempotency')
        .set({ state: 'done', status: input.status, body: input.body })
        .where('scope', '=', input.scope)
        .where('key', '=', input.key)
        .execute();
    },

    async abandonIdempotent(input) {
      await db
        .deleteFrom('idempotency')
        .where('scope', '=', input.scope)
        .where('key', '=', input.key)
        .where('state', '=', 'in_progress')
        .execute();
    },
  };
}
