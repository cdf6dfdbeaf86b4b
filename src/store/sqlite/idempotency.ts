/** Idempotency keys on SQLite: claimed inside BEGIN IMMEDIATE, so a claim is never lost to a race. */
import { decideIdempotency, idempotencyExpiry } from '../common.ts';
import * as q from '../queries.ts';
import type { IdempotencyStore } from '../store.ts';
import type { IdempotencyState } from '../types.ts';
import type { SqliteConnection } from './connection.ts';

/** Purge expired idempotency rows once every this many `beginIdempotent` calls. */
const IDEMPOTENCY_PURGE_EVERY = 1000;

export function purgeExpiredIdempotency(connection: SqliteConnection): void {
  connection.run(connection.kysely.deleteFrom('idempotency').where('expires_at', '<=', connection.now()));
}

export function sqliteIdempotency(connection: SqliteConnection): IdempotencyStore {
  const { kysely } = connection;
  let begins = 0;

  return {
    async beginIdempotent(input) {
      if (++begins % IDEMPOTENCY_PURGE_EVERY === 0) purgeExpiredIdempotency(connection);
      return connection.immediate((): IdempotencyState => {
        const now = connection.clock();
        const existing = connection.first(q.selectIdempotency(kysely, input.scope, input.key));
        const decision = decideIdempotency(existing, input, now);
        if (decision.action === 'answer') return decision.result;
        const values = {
          account_id: input.accountId,
          request_hash: input.requestHash,
          state: 'in_progress',
          status: null,
          body: null,
          created_at: now.toISOString(),
          expires_at: idempotencyExpiry(now),
        };
        if (decision.action === 'claim') {
          connection.run(
            kysely.insertInto('idempotency').values({ scope: input.scope, key: input.key, ...values }),
          );
        } else {
          connection.run(
            kysely
              .updateTable('idempotency')
              .set(values)
              .where('scope', '=', input.scope)
              .where('key', '=', input.key),
          );
        }
        return { state: 'new' };
      });
    },

    async completeIdempotent(input) {
      connection.run(
        kysely
          .updateTable('idempotency')
          .set({ state: 'done', status: input.status, body: input.body })
          .where('scope', '=', input.scope)
          .where('key', '=', input.key),
      );
    },

    async abandonIdempotent(input) {
      connection.run(
        kysely
          .deleteFrom('idempotency')
          .where('scope', '=', input.scope)
          .where('key', '=', input.key)
          .where('state', '=', 'in_progress'),
      );
    },
  };
}
