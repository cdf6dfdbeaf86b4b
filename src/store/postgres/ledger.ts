/**
 * Holds, settles, recovery and credits on PostgreSQL, safe at READ COMMITTED by construction:
 * - a hold is one conditional `UPDATE ... WHERE balance_micros >= x RETURNING`: PostgreSQL re-checks the
 *   condition on the newest row version after waiting for a concurrent writer, so two holds can never
 *   both spend the same micro-USD;
 * - a settle locks its ledger row (`FOR UPDATE`) before deciding, so concurrent settles of one attempt
 *   serialise and the second sees `settled`;
 * - a credit key relies on its unique index, with the loser re-reading the winner.
 * The rules (what is charged, released, flagged) come from money.ts; this file only writes them.
 */
import { sql } from 'kysely';
import { ID_PREFIX, newId } from '../common.ts';
import {
  AccountNotFoundError,
  DuplicateHoldError,
  HoldNotFoundError,
  IdempotencyKeyReusedError,
  InsufficientBalanceError,
} from '../errors.ts';
import { toCreditEntry, toLedgerRow } from '../mappers.ts';
import {
  assertMicros,
  normaliseSettle,
  recoverHold,
  settleHold,
  settlementColumns,
  type Settlement,
} from '../money.ts';
import * as q from '../queries.ts';
import type { LedgerStore } from '../store.ts';
import type { CreditEntry, CreditInput, LedgerRow } from '../types.ts';
import { isUniqueViolation, type PostgresConnection, type Tx } from './connection.ts';

export function postgresLedger(connection: PostgresConnection): LedgerStore {
  const { db } = connection;

  /**
   * Lock the row, then settle it with the settlement `decide` makes from the held amount. A row
   * already settled is returned as it is (settling is idempotent per attempt).
   */
  async function settleLocked(
    tx: Tx,
    requestId: string,
    attempt: number,
    decide: (heldMicros: number) => Settlement,
  ): Promise<LedgerRow> {
    const row = await q.selectLedgerRow(tx, requestId, attempt).forUpdate().executeTakeFirst();
    if (!row) throw new HoldNotFoundError(requestId, attempt);
    if (row.state === 'settled') return toLedgerRow(row);
    const settlement = decide(Number(row.held_micros));
    await tx
      .updateTable('accounts')
      .set((eb) => ({
        balance_micros: eb('balance_micros', '+', settlement.releaseMicros),
        held_micros: eb('held_micros', '-', settlement.heldMicros),
      }))
      .where('id', '=', row.account_id)
      .execute();
    const { credential, ...columns } = settlementColumns(settlement, connection.now());
    const updated = await tx
      .updateTable('ledger')
      .set(credential === null ? columns : { ...columns, credential })
      .where('request_id', '=', requestId)
      .where('attempt', '=', attempt)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toLedgerRow(updated);
  }

  async function creditOnce(input: CreditInput): Promise<{ entry: CreditEntry; replayed: boolean }> {
    const idempotencyKey = input.idempotencyKey ?? null;
    const amount = input.amountMicros;
    return db.transaction().execute(async (tx) => {
      if (idempotencyKey !== null) {
        const existing = await q.selectCreditByIdempotencyKey(tx, idempotencyKey).executeTakeFirst();
        if (existing) {
          if (existing.account_id !== input.accountId || Number(existing.amount_micros) !== amount) {
            throw new IdempotencyKeyReusedError();
          }
          return { entry: toCreditEntry(existing), replayed: true };
        }
      }
      // money.ts `creditAllowed`, as a condition of the update itself so a concurrent hold cannot race it.
      const updated = await tx
        .updateTable('accounts')
        .set((eb) => ({ balance_micros: eb('balance_micros', '+', amount) }))
        .where('id', '=', input.accountId)
        .where(sql<boolean>`balance_micros + ${amount} >= 0`)
        .returning('balance_micros')
        .executeTakeFirst();
      if (!updated) {
        const account = await q.selectAccount(tx, input.accountId).executeTakeFirst();
        if (!account) throw new AccountNotFoundError(input.accountId);
        throw new InsufficientBalanceError(Number(account.balance_micros), amount);
      }
      const now = connection.now();
      const row = await tx
        .insertInto('credit_entries')
        .values({
          id: newId(ID_PREFIX.credit),
          account_id: input.accountId,
          amount_micros: amount,
          balance_after_micros: Number(updated.balance_micros),
          note: input.note ?? null,
          actor: input.actor,
          idempotency_key: idempotencyKey,
          created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await connection.audit(
        tx,
        input.actor,
        'account.credit',
        input.accountId,
        { creditId: row.id, amountMicros: amount, note: row.note },
        now,
      );
      return { entry: toCreditEntry(row), replayed: false };
    });
  }

  return {
    async hold(input) {
      assertMicros('amountMicros', input.amountMicros);
      const amount = input.amountMicros;
      return db.transaction().execute(async (tx) => {
        const moved = await tx
          .updateTable('accounts')
          .set((eb) => ({
            balance_micros: eb('balance_micros', '-', amount),
            held_micros: eb('held_micros', '+', amount),
          }))
          .where('id', '=', input.accountId)
          .where('balance_micros', '>=', amount)
          .where('status', '=', 'active')
          .returning('id')
          .executeTakeFirst();
        if (!moved) {
          const row = await tx
            .selectFrom('accounts')
            .select('balance_micros')
            .where('id', '=', input.accountId)
            .executeTakeFirst();
          return { ok: false, balanceMicros: row ? Number(row.balance_micros) : 0 };
        }
        const inserted = await tx
          .insertInto('ledger')
          .values({
            request_id: input.requestId,
            attempt: input.attempt,
            account_id: input.accountId,
            key_id: input.keyId,
            model: input.model,
            deployment: input.deployment,
            held_micros: amount,
            cost_micros: 0,
            state: 'held',
            prompt_tokens: 0,
            cached_tokens: 0,
            completion_tokens: 0,
            reasoning_tokens: 0,
            total_tokens: 0,
            usage_estimated: 0,
            needs_review: 0,
            stream: 0,
            process_id: input.processId,
            created_at: connection.now(),
            credential: input.credential ?? null,
            door: input.door ?? 'openai-chat',
          })
          .onConflict((conflict) => conflict.columns(['request_id', 'attempt']).doNothing())
          .returning('request_id')
          .executeTakeFirst();
        // Throwing rolls the balance update back: a duplicate attempt never holds twice.
        if (!inserted) throw new DuplicateHoldError(input.requestId, input.attempt);
        return { ok: true } as const;
      });
    },

    async settle(input) {
      const normalised = normaliseSettle(input);
      return db
        .transaction()
        .execute((tx) =>
          settleLocked(tx, normalised.requestId, normalised.attempt, (held) => settleHold(held, normalised)),
        );
    },

    async recoverStaleHolds(liveProcessIds) {
      const live = new Set(liveProcessIds);
      return db.transaction().execute(async (tx) => {
        const open = await q.selectOpenHolds(tx).execute();
        const recovered: LedgerRow[] = [];
        for (const row of open) {
          if (live.has(row.process_id)) continue;
          const attempt = Number(row.attempt);
          const settled = await settleLocked(tx, row.request_id, attempt, (held) =>
            recoverHold({
              requestId: row.request_id,
              attempt,
              heldMicros: held,
              stream: Number(row.stream) === 1,
            }),
          );
          // Settled by its own process between our read and our lock: not a recovery.
          if (settled.terminalState === 'recovered') recovered.push(settled);
        }
        return recovered;
      });
    },

    async openHolds(accountId) {
      return (await q.selectOpenHolds(db, accountId).execute()).map(toLedgerRow);
    },

    async ledger(query) {
      return (await q.selectLedger(db, query).execute()).map(toLedgerRow);
    },

    async ledgerRow(requestId, attempt) {
      const row = await q.selectLedgerRow(db, requestId, attempt).executeTakeFirst();
      return row ? toLedgerRow(row) : undefined;
    },

    async credit(input) {
      assertMicros('amountMicros', input.amountMicros, { allowNegative: true });
      try {
        return await creditOnce(input);
      } catch (error) {
        // Two concurrent credits with one new key: the loser's insert hit the unique key and rolled
        // back; running again finds the winner's entry and replays (or reports the reuse).
        if (input.idempotencyKey && isUniqueViolation(error)) return creditOnce(input);
        throw error;
      }
    },

    async credits(accountId) {
      return (await q.selectCredits(db, accountId).execute()).map(toCreditEntry);
    },
  };
}
