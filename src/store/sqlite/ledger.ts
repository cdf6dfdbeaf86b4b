/**
 * Holds, settles, recovery and credits on SQLite. Hold and settle are the hot path: hand-written
 * prepared statements, written through the connection's group commit. The rules (what is charged,
 * released, flagged) come from money.ts; this file only writes them.
 */
import type Database from 'better-sqlite3';
import type { Selectable } from 'kysely';
import { ID_PREFIX, newId } from '../common.ts';
import {
  DuplicateHoldError,
  HoldNotFoundError,
  IdempotencyKeyReusedError,
  InsufficientBalanceError,
} from '../errors.ts';
import { toCreditEntry, toLedgerRow } from '../mappers.ts';
import {
  assertMicros,
  creditAllowed,
  normaliseSettle,
  recoverHold,
  settleHold,
  settledLedgerRow,
  settlementColumns,
  type Settlement,
} from '../money.ts';
import * as q from '../queries.ts';
import type { LedgerTable } from '../schema.ts';
import type { LedgerStore } from '../store.ts';
import type { HoldInput, HoldResult, LedgerRow, SettleInput } from '../types.ts';
import { requireSqliteAccount } from './accounts.ts';
import type { SqliteConnection } from './connection.ts';

type LedgerDbRow = Selectable<LedgerTable>;

const HOLD_SQL = `UPDATE accounts
  SET balance_micros = balance_micros - @amount, held_micros = held_micros + @amount
  WHERE id = @accountId AND balance_micros >= @amount AND status = 'active'`;

const LEDGER_INSERT_SQL = `INSERT INTO ledger
  (request_id, attempt, account_id, key_id, model, deployment, held_micros, cost_micros, state,
   process_id, created_at, credential, door)
  VALUES (@requestId, @attempt, @accountId, @keyId, @model, @deployment, @amount, 0, 'held',
   @processId, @now, @credential, @door)
  ON CONFLICT (request_id, attempt) DO NOTHING`;

const RELEASE_SQL = `UPDATE accounts
  SET balance_micros = balance_micros + @release, held_micros = held_micros - @held
  WHERE id = @accountId`;

/** The parameter names are the columns of `settlementColumns` (money.ts). */
const SETTLE_SQL = `UPDATE ledger SET
  state = @state, cost_micros = @cost_micros, terminal_state = @terminal_state, status = @status,
  prompt_tokens = @prompt_tokens, cached_tokens = @cached_tokens, completion_tokens = @completion_tokens,
  reasoning_tokens = @reasoning_tokens, total_tokens = @total_tokens, usage_estimated = @usage_estimated,
  needs_review = @needs_review, price_version = @price_version, latency_ms = @latency_ms,
  ttft_ms = @ttft_ms, stream = @stream, error_code = @error_code, settled_at = @settled_at,
  credential = COALESCE(@credential, credential)
  WHERE request_id = @request_id AND attempt = @attempt AND state = 'held'`;

/** What settle needs to know about an open hold; reading all the columns costs more than the write. */
const LEDGER_HEAD_SQL = `SELECT account_id, key_id, model, deployment, held_micros, state, process_id, created_at,
  credential, door FROM ledger WHERE request_id = ? AND attempt = ?`;

type LedgerHead = Pick<
  LedgerDbRow,
  | 'account_id'
  | 'key_id'
  | 'model'
  | 'deployment'
  | 'held_micros'
  | 'state'
  | 'process_id'
  | 'created_at'
  | 'credential'
  | 'door'
>;

interface HotPath {
  hold: Database.Transaction<(input: HoldInput, now: string) => HoldResult>;
  settle: Database.Transaction<(input: SettleInput, now: string) => LedgerRow>;
  /** Write a settlement: release the rest of the hold, then the ledger row's final values. */
  write(accountId: string, settlement: Settlement, now: string): void;
  ledgerGet: Database.Statement;
}

function prepareHotPath(db: Database.Database): HotPath {
  const hold = db.prepare(HOLD_SQL);
  const ledgerInsert = db.prepare(LEDGER_INSERT_SQL);
  const balance = db.prepare('SELECT balance_micros FROM accounts WHERE id = ?');
  const ledgerGet = db.prepare('SELECT * FROM ledger WHERE request_id = ? AND attempt = ?');
  const ledgerHead = db.prepare(LEDGER_HEAD_SQL);
  const release = db.prepare(RELEASE_SQL);
  const settle = db.prepare(SETTLE_SQL);

  const write = (accountId: string, settlement: Settlement, now: string): void => {
    release.run({ release: settlement.releaseMicros, held: settlement.heldMicros, accountId });
    settle.run({
      ...settlementColumns(settlement, now),
      request_id: settlement.requestId,
      attempt: settlement.attempt,
    });
  };

  const holdTransaction = db.transaction((input: HoldInput, now: string): HoldResult => {
    const params = { amount: input.amountMicros, accountId: input.accountId };
    if (hold.run(params).changes === 0) {
      const row = balance.get(input.accountId) as { balance_micros: number } | undefined;
      return { ok: false, balanceMicros: row ? Number(row.balance_micros) : 0 };
    }
    const inserted = ledgerInsert.run({
      requestId: input.requestId,
      attempt: input.attempt,
      accountId: input.accountId,
      keyId: input.keyId,
      model: input.model,
      deployment: input.deployment,
      amount: input.amountMicros,
      processId: input.processId,
      now,
      credential: input.credential ?? null,
      door: input.door ?? 'openai-chat',
    });
    // Throwing rolls the balance update back: a duplicate attempt never holds twice.
    if (inserted.changes === 0) throw new DuplicateHoldError(input.requestId, input.attempt);
    return { ok: true };
  });

  const settleTransaction = db.transaction((input: SettleInput, now: string): LedgerRow => {
    const head = ledgerHead.get(input.requestId, input.attempt) as LedgerHead | undefined;
    if (!head) throw new HoldNotFoundError(input.requestId, input.attempt);
    if (head.state === 'settled')
      return toLedgerRow(ledgerGet.get(input.requestId, input.attempt) as LedgerDbRow);
    const settlement = settleHold(Number(head.held_micros), input);
    write(head.account_id, settlement, now);
    return settledLedgerRow(
      {
        accountId: head.account_id,
        keyId: head.key_id,
        model: head.model,
        deployment: head.deployment,
        createdAt: head.created_at,
        processId: head.process_id,
        credential: head.credential,
        door: head.door,
      },
      settlement,
      now,
    );
  });

  return { hold: holdTransaction, settle: settleTransaction, write, ledgerGet };
}

export function sqliteLedger(connection: SqliteConnection): LedgerStore {
  const { kysely } = connection;
  let hot: HotPath | undefined;
  const hotPath = (): HotPath => (hot ??= prepareHotPath(connection.db));

  return {
    async hold(input) {
      assertMicros('amountMicros', input.amountMicros);
      const { hold } = hotPath();
      return connection.enqueue(() => hold(input, connection.now()));
    },

    async settle(input) {
      const { settle } = hotPath();
      const normalised = normaliseSettle(input);
      return connection.enqueue(() => settle(normalised, connection.now()));
    },

    async recoverStaleHolds(liveProcessIds) {
      const live = new Set(liveProcessIds);
      const { write, ledgerGet } = hotPath();
      return connection.immediate(() => {
        const now = connection.now();
        const stale = connection.all(q.selectOpenHolds(kysely)).filter((row) => !live.has(row.process_id));
        return stale.map((row) => {
          const settlement = recoverHold({
            requestId: row.request_id,
            attempt: Number(row.attempt),
            heldMicros: Number(row.held_micros),
            stream: Number(row.stream) === 1,
          });
          write(row.account_id, settlement, now);
          return toLedgerRow(ledgerGet.get(row.request_id, row.attempt) as LedgerDbRow);
        });
      });
    },

    async openHolds(accountId) {
      return connection.all(q.selectOpenHolds(kysely, accountId)).map(toLedgerRow);
    },

    async ledger(query) {
      return connection.all(q.selectLedger(kysely, query)).map(toLedgerRow);
    },

    async ledgerRow(requestId, attempt) {
      const row = connection.first(q.selectLedgerRow(kysely, requestId, attempt));
      return row ? toLedgerRow(row) : undefined;
    },

    async credit(input) {
      assertMicros('amountMicros', input.amountMicros, { allowNegative: true });
      const idempotencyKey = input.idempotencyKey ?? null;
      return connection.immediate(() => {
        if (idempotencyKey !== null) {
          const existing = connection.first(q.selectCreditByIdempotencyKey(kysely, idempotencyKey));
          if (existing) {
            if (
              existing.account_id !== input.accountId ||
              Number(existing.amount_micros) !== input.amountMicros
            ) {
              throw new IdempotencyKeyReusedError();
            }
            return { entry: toCreditEntry(existing), replayed: true };
          }
        }
        const account = requireSqliteAccount(connection, input.accountId);
        if (!creditAllowed(account.balanceMicros, input.amountMicros)) {
          throw new InsufficientBalanceError(account.balanceMicros, input.amountMicros);
        }
        const now = connection.now();
        connection.run(
          kysely
            .updateTable('accounts')
            .set((eb) => ({ balance_micros: eb('balance_micros', '+', input.amountMicros) }))
            .where('id', '=', input.accountId),
        );
        const row = {
          id: newId(ID_PREFIX.credit),
          account_id: input.accountId,
          amount_micros: input.amountMicros,
          balance_after_micros: account.balanceMicros + input.amountMicros,
          note: input.note ?? null,
          actor: input.actor,
          idempotency_key: idempotencyKey,
          created_at: now,
        };
        connection.run(kysely.insertInto('credit_entries').values(row));
        connection.audit(
          input.actor,
          'account.credit',
          input.accountId,
          { creditId: row.id, amountMicros: input.amountMicros, note: row.note },
          now,
        );
        return { entry: toCreditEntry(row), replayed: false };
      });
    },

    async credits(accountId) {
      return connection.all(q.selectCredits(kysely, accountId)).map(toCreditEntry);
    },
  };
}
