/**
 * The money rules, once for every dialect: what a hold may take, what a settle charges and releases,
 * how a lost hold is recovered, whether a credit may go through. The dialects only write the result.
 */
import { InvalidAmountError } from './errors.ts';
import type { LedgerTable } from './schema.ts';
import type { LedgerRow, SettleInput, TerminalState, UsageTokens } from './types.ts';

export function assertMicros(what: string, value: number, options: { allowNegative?: boolean } = {}): void {
  if (!Number.isSafeInteger(value) || (!options.allowNegative && value < 0))
    throw new InvalidAmountError(what, value);
}

function nonNegativeInteger(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.ceil(value) : 0;
}

/** Defensive normalisation of what the pipeline reports at settle: integers, never negative. */
export function normaliseSettle(input: SettleInput): SettleInput {
  return {
    ...input,
    costMicros: nonNegativeInteger(input.costMicros),
    tokens: {
      prompt: nonNegativeInteger(input.tokens.prompt),
      cachedPrompt: nonNegativeInteger(input.tokens.cachedPrompt),
      completion: nonNegativeInteger(input.tokens.completion),
      reasoning: nonNegativeInteger(input.tokens.reasoning),
      total: nonNegativeInteger(input.tokens.total),
    },
    latencyMs: nonNegativeInteger(input.latencyMs),
    ttftMs: input.ttftMs === null ? null : nonNegativeInteger(input.ttftMs),
  };
}

/** Everything a settle writes: the balance movement and the ledger row's final values. */
export interface Settlement {
  requestId: string;
  attempt: number;
  heldMicros: number;
  /** What the account pays: never more than the hold. */
  chargedMicros: number;
  /** What goes back to the balance: held - charged. */
  releaseMicros: number;
  /** The cost passed the hold (the bound was wrong), or the row was recovered: a human looks. */
  needsReview: boolean;
  terminalState: TerminalState;
  status: number | null;
  tokens: UsageTokens;
  usageEstimated: boolean;
  priceVersion: string | null;
  latencyMs: number | null;
  ttftMs: number | null;
  stream: boolean;
  errorCode: string | null;
  /** The upstream key's label; null keeps whatever the hold recorded. */
  credential: string | null;
}

/**
 * The settle rule: charge min(cost, held), release the rest. A cost above the hold means the upper
 * bound was wrong: the account is charged the hold (never more), and the row is flagged for review.
 */
export function settleHold(heldMicros: number, input: SettleInput): Settlement {
  const charged = Math.min(input.costMicros, heldMicros);
  return {
    requestId: input.requestId,
    attempt: input.attempt,
    heldMicros,
    chargedMicros: charged,
    releaseMicros: heldMicros - charged,
    needsReview: input.costMicros > heldMicros,
    terminalState: input.terminalState,
    status: input.status,
    tokens: { ...input.tokens },
    usageEstimated: input.usageEstimated,
    priceVersion: input.priceVersion,
    latencyMs: input.latencyMs,
    ttftMs: input.ttftMs,
    stream: input.stream,
    errorCode: input.errorCode ?? null,
    credential: input.credential ?? null,
  };
}

const NO_TOKENS: UsageTokens = { prompt: 0, cachedPrompt: 0, completion: 0, reasoning: 0, total: 0 };

/**
 * A hold whose process died before settling: the upstream may have billed up to the hold, so the
 * whole hold is charged, the usage marked estimated and the row flagged for a human.
 */
export function recoverHold(row: {
  requestId: string;
  attempt: number;
  heldMicros: number;
  stream: boolean;
}): Settlement {
  return {
    requestId: row.requestId,
    attempt: row.attempt,
    heldMicros: row.heldMicros,
    chargedMicros: row.heldMicros,
    releaseMicros: 0,
    needsReview: true,
    terminalState: 'recovered',
    status: null,
    tokens: { ...NO_TOKENS },
    usageEstimated: true,
    priceVersion: null,
    latencyMs: null,
    ttftMs: null,
    stream: row.stream,
    errorCode: 'process_lost',
    credential: null,
  };
}

/**
 * The ledger columns a settlement sets (both dialects write exactly these). `credential` is written
 * only when the settlement names one (both dialects keep the hold's otherwise).
 */
export function settlementColumns(settlement: Settlement, now: string) {
  return {
    state: 'settled',
    cost_micros: settlement.chargedMicros,
    terminal_state: settlement.terminalState,
    status: settlement.status,
    prompt_tokens: settlement.tokens.prompt,
    cached_tokens: settlement.tokens.cachedPrompt,
    completion_tokens: settlement.tokens.completion,
    reasoning_tokens: settlement.tokens.reasoning,
    total_tokens: settlement.tokens.total,
    usage_estimated: settlement.usageEstimated ? 1 : 0,
    needs_review: settlement.needsReview ? 1 : 0,
    price_version: settlement.priceVersion,
    latency_ms: settlement.latencyMs,
    ttft_ms: settlement.ttftMs,
    stream: settlement.stream ? 1 : 0,
    error_code: settlement.errorCode,
    settled_at: now,
    credential: settlement.credential,
  } satisfies Partial<Record<keyof LedgerTable, unknown>>;
}

/** The settled row, from the hold's unchanging columns and the settlement (no read-back needed). */
export function settledLedgerRow(
  head: Pick<
    LedgerRow,
    'accountId' | 'keyId' | 'model' | 'deployment' | 'createdAt' | 'processId' | 'credential' | 'door'
  >,
  settlement: Settlement,
  now: string,
): LedgerRow {
  return {
    requestId: settlement.requestId,
    attempt: settlement.attempt,
    accountId: head.accountId,
    keyId: head.keyId,
    model: head.model,
    deployment: head.deployment,
    heldMicros: settlement.heldMicros,
    costMicros: settlement.chargedMicros,
    state: 'settled',
    terminalState: settlement.terminalState,
    status: settlement.status,
    tokens: { ...settlement.tokens },
    usageEstimated: settlement.usageEstimated,
    needsReview: settlement.needsReview,
    priceVersion: settlement.priceVersion,
    latencyMs: settlement.latencyMs,
    ttftMs: settlement.ttftMs,
    stream: settlement.stream,
    errorCode: settlement.errorCode,
    createdAt: head.createdAt,
    settledAt: now,
    processId: head.processId,
    credential: settlement.credential ?? head.credential,
    door: head.door,
  };
}

/** A credit or correction may never take the spendable balance below zero. */
export function creditAllowed(balanceMicros: number, amountMicros: number): boolean {
  return balanceMicros + amountMicros >= 0;
}
