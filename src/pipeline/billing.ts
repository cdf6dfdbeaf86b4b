/**
 * Stages 6 and 8 for one request: hold credits before each upstream attempt and settle each attempt
 * exactly once. The hold is an upper bound of the attempt's cost (prompt bounded from above plus the
 * output cap that is also sent upstream), so the settled cost can never exceed it.
 */
import { costMicros, planHold, priceVersion } from '../billing/index.ts';
import { PorticoError } from '../errors.ts';
import type { TokenCounts } from '../openai/response.ts';
import type { AttemptTarget } from '../routing/plan.ts';
import type { LedgerRow, TerminalState } from '../store/types.ts';
import type { ChatContext } from './context.ts';

export interface AttemptRecord {
  readonly attempt: number;
  readonly target: AttemptTarget;
  readonly holdMicros: number;
  readonly maxOutputTokens: number;
  readonly startedAt: number;
  settled: boolean;
}

export interface SettleOutcome {
  counts: TokenCounts;
  usageEstimated: boolean;
  terminalState: TerminalState;
  status: number;
  ttftMs: number | null;
  stream: boolean;
  errorCode?: string | null;
}

export async function reserveCredits(
  context: ChatContext,
  target: AttemptTarget,
  attempt: number,
): Promise<AttemptRecord> {
  const { services, key, body } = context;
  if (!key || !body) throw new Error('reserveCredits before authentication');
  const requested = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  // With an explicit cap the hold's size does not depend on the balance, so the cached account (status)
  // is enough: the atomic hold is the balance check. Without one, the allowance is clamped to what the
  // balance can pay, so the balance is read afresh.
  const account =
    requested != null
      ? (context.account ?? (await services.accountCache.lookup(key.accountId)))
      : await services.store.getAccount(key.accountId);
  if (!account || account.status !== 'active') {
    throw new PorticoError('insufficient_quota', {
      message: account ? 'The account is suspended' : 'The account does not exist',
      headers: { 'x-should-retry': 'false' },
    });
  }
  const plan = planHold({
    promptUpperBound: context.promptUpperBound ?? 0,
    requestedMaxTokens: requested === null ? undefined : requested,
    modelMaxOutput: target.model.maxOutputTokens,
    pricing: target.model.pricing,
    balanceMicros: requested != null ? Number.MAX_SAFE_INTEGER : account.balanceMicros,
  });
  if ('insufficient' in plan) {
    throw new PorticoError('insufficient_quota', { headers: { 'x-should-retry': 'false' } });
  }
  const held = await services.store.hold({
    requestId: context.requestId,
    attempt,
    accountId: key.accountId,
    keyId: key.id,
    model: target.model.name,
    deployment: target.label,
    amountMicros: plan.holdMicros,
    processId: services.processId,
  });
  if (!held.ok) {
    // Another request spent the balance between our read and the hold: the atomic hold refused.
    throw new PorticoError('insufficient_quota', { headers: { 'x-should-retry': 'false' } });
  }
  services.routing.drain.holdOpened();
  return {
    attempt,
    target,
    holdMicros: plan.holdMicros,
    maxOutputTokens: plan.maxOutputTokens,
    startedAt: Date.now(),
    settled: false,
  };
}

export async function settleAttempt(
  context: ChatContext,
  record: AttemptRecord,
  outcome: SettleOutcome,
): Promise<{ costMicros: number; row: LedgerRow | undefined }> {
  if (record.settled) return { costMicros: 0, row: undefined };
  record.settled = true;
  const pricing = record.target.model.pricing;
  const cost = costMicros(outcome.counts, pricing);
  const settling = context.services.store.settle({
    requestId: context.requestId,
    attempt: record.attempt,
    costMicros: cost,
    tokens: {
      prompt: outcome.counts.prompt,
      cachedPrompt: outcome.counts.cachedPrompt,
      completion: outcome.counts.completion,
      reasoning: outcome.counts.reasoning,
      total: outcome.counts.total,
    },
    usageEstimated: outcome.usageEstimated,
    terminalState: outcome.terminalState,
    status: outcome.status,
    priceVersion: priceVersion(pricing),
    latencyMs: Date.now() - record.startedAt,
    ttftMs: outcome.ttftMs,
    stream: outcome.stream,
    errorCode: outcome.errorCode ?? null,
  });
  // Shutdown waits until every open hold is settled (routing/drain.ts).
  const row = await settling.finally(() => context.services.routing.drain.holdSettled());
  const metrics = context.services.metrics;
  metrics.attempts.inc({ deployment: record.target.label, state: outcome.terminalState });
  if (row.costMicros > 0) metrics.costMicros.inc({ model: record.target.model.name }, row.costMicros);
  return { costMicros: row.costMicros, row };
}
