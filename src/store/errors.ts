/**
 * Errors the store throws on purpose, each with a stable `code`, so the HTTP layer can map them to a
 * status without parsing messages (e.g. `IdempotencyKeyReusedError` -> 422).
 */

export type StoreErrorCode =
  | 'account_not_found'
  | 'hold_not_found'
  | 'duplicate_hold'
  | 'insufficient_balance'
  | 'invalid_amount'
  | 'idempotency_key_reused';

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

export class AccountNotFoundError extends StoreError {
  constructor(accountId: string) {
    super('account_not_found', `Account ${accountId.slice(0, 64)} not found`);
  }
}

export class HoldNotFoundError extends StoreError {
  constructor(requestId: string, attempt: number) {
    super('hold_not_found', `No hold for request ${requestId.slice(0, 64)} attempt ${attempt}`);
  }
}

export class DuplicateHoldError extends StoreError {
  constructor(requestId: string, attempt: number) {
    super('duplicate_hold', `Request ${requestId.slice(0, 64)} attempt ${attempt} already has a ledger row`);
  }
}

/** A negative correction larger than the spendable balance: nothing was written. */
export class InsufficientBalanceError extends StoreError {
  readonly balanceMicros: number;

  constructor(balanceMicros: number, amountMicros: number) {
    super(
      'insufficient_balance',
      `A correction of ${amountMicros} micro-USD would take the balance (${balanceMicros}) below zero`,
    );
    this.balanceMicros = balanceMicros;
  }
}

export class InvalidAmountError extends StoreError {
  constructor(what: string, value: unknown) {
    super('invalid_amount', `${what} must be a safe integer number of micro-USD, got ${String(value)}`);
  }
}

/** The same idempotency key was sent again with a different account or amount. Maps to HTTP 422. */
export class IdempotencyKeyReusedError extends StoreError {
  constructor() {
    super(
      'idempotency_key_reused',
      'This Idempotency-Key was already used with a different request; use a new key for a new request',
    );
  }
}

const UNAVAILABLE_CODES = new Set([
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '57P01', // PostgreSQL admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08001',
  '08003',
  '08006',
]);

/** A database (or its connection) failure, as opposed to a bug: the caller gets a retryable 503. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const candidate = error as { code?: unknown; message?: unknown } | null;
  const code = typeof candidate?.code === 'string' ? candidate.code : '';
  if (UNAVAILABLE_CODES.has(code)) return true;
  const message = typeof candidate?.message === 'string' ? candidate.message : '';
  return /timeout exceeded when trying to connect|Connection terminated|Query read timeout|connect ECONNREFUSED/.test(
    message,
  );
}
