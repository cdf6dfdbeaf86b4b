/**
 * Exchange steps "hold" and "settle": before each upstream attempt, hold an upper bound of what the
 * attempt can cost (prompt bounded from above, media by size and type, times `n` completions of the
 * output cap that is also sent upstream); after it, settle exactly once at what it really cost. The
 * settled cost can never exceed the hold, so settle never has to cap a correct charge.
 */
import { costMicros, holdPricing, planHold, priceVersion } from '../../billing/index.ts';
import { PorticoError } from '../../errors.ts';
import type { TokenCounts } from '../../openai/response.ts';
import type { AttemptTarget } from '../../routing/plan.ts';
import type { Pricing } from '../../config/catalogue.ts';
import type { SettleInput, TerminalState } from '../../store/types.ts';
import { isDatabaseUnavailable } from '../../store/errors.ts';
import { requestsGrounding } from '../../providers/gemini/builtin-tools.ts';
import type { RequestContext } from '../context.ts';

export interface AttemptRecord {
  readonly attempt: number;
  readonly target: AttemptTarget;
  readonly holdMicros: number;
  readonly maxOutputTokens: number;
  readonly startedAt: number;
  /** The prices in force when the attempt was held: the settle uses the same, even across a change. */
  readonly pricing: Pricing;
  /** The label of the upstream key that served (or failed) the attempt, when the provider pools keys. */
  credential?: string;
  settled: boolean;
}

export interface AttemptOutcome {
  counts: TokenCounts;
  usageEstimated: boolean;
  terminalState: TerminalState;
  status: number;
  ttftMs: number | null;
  stream: boolean;
  errorCode?: string | null;
}

/** The settle could not be written; it waits in the journal and the client is told the database failed. */
export class SettleDeferredError extends Error {
  readonly clientError = new PorticoError('service_unavailable', {
    message: 'The database is unavailable; the request was not completed',
    retryAfterSeconds: 5,
  });

  constructor(cause: unknown) {
    super('settle deferred: database unavailable', { cause });
    this.name = 'SettleDeferredError';
  }
}

const NO_CAP_BALANCE = Number.MAX_SAFE_INTEGER;

function refused(message?: string): PorticoError {
  return new PorticoError('insufficient_quota', { message, headers: { 'x-should-retry': 'false' } });
}

export async function holdCredits(
  context: RequestContext,
  target: AttemptTarget,
  attempt: number,
): Promise<AttemptRecord> {
  const { services, key, body } = context;
  if (!key || !body) throw new Error('hold before admission');
  const requested = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  // With an explicit cap the hold's size does not depend on the balance, so the cached account (status)
  // is enough: the atomic hold is the balance check. Without one, the allowance is clamped to what the
  // balance can pay, so the balance is read afresh.
  const account =
    requested != null
      ? (context.account ?? (await services.accountCache.lookup(key.accountId)))
      : await services.store.getAccount(key.accountId);
  if (!account || account.status !== 'active') {
    throw refused(account ? 'The account is suspended' : 'The account does not exist');
  }
  const plan = planHold({
    promptUpperBound: context.promptUpperBound ?? 0,
    requestedMaxTokens: requested ?? undefined,
    modelMaxOutput: target.model.maxOutputTokens,
    pricing: target.model.pricing,
    balanceMicros: requested != null ? NO_CAP_BALANCE : account.balanceMicros,
    contextWindow: target.model.contextWindow,
    choices: body.n ?? 1,
    groundedRequests: requestsGrounding(body) ? 1 : 0,
  });
  if ('insufficient' in plan) throw refused();
  return openHold(context, target, attempt, plan.holdMicros, plan.maxOutputTokens);
}

/** The atomic hold in the store; refused when another request spent the balance in the meantime. */
async function openHold(
  context: RequestContext,
  target: AttemptTarget,
  attempt: number,
  holdMicros: number,
  maxOutputTokens: number,
): Promise<AttemptRecord> {
  const { services, key } = context;
  if (!key) throw new Error('hold before admission');
  const held = await services.store.hold({
    requestId: context.requestId,
    attempt,
    accountId: key.accountId,
    keyId: key.id,
    model: target.model.name,
    deployment: target.label,
    amountMicros: holdMicros,
    processId: services.processId,
    door: context.door.name,
  });
  // Another request spent the balance between our read and the hold: the atomic hold refused.
  if (!held.ok) throw refused();
  services.routing.drain.holdOpened();
  return {
    attempt,
    target,
    holdMicros,
    maxOutputTokens,
    startedAt: Date.now(),
    pricing: target.model.pricing,
    settled: false,
  };
}

/**
 * The hold of an embedding attempt (ADR 085): the input bound (UTF-8 bytes of every input, set at
 * admission) at the model's dearest input price. Nothing is generated, so there is no output allowance.
 */
export async function holdEmbeddingCredits(
  context: RequestContext,
  target: AttemptTarget,
  attempt: number,
): Promise<AttemptRecord> {
  const { services, key } = context;
  if (!key || !context.embedding) throw new Error('embedding hold before admission');
  const account = context.account ?? (await services.accountCache.lookup(key.accountId));
  if (!account || account.status !== 'active') {
    throw refused(account ? 'The account is suspended' : 'The account does not exist');
  }
  const prompt = Math.max(0, Math.ceil(context.promptUpperBound ?? 0));
  const holdMicros = costMicros(
    { prompt, cachedPrompt: 0, completion: 0, reasoning: 0 },
    holdPricing(target.model.pricing, prompt),
  );
  return openHold(context, target, attempt, holdMicros, 0);
}

/**
 * Settle one attempt, once. When the database is unavailable the settle goes to the journal (retried
 * until written) and `SettleDeferredError` tells the caller the request cannot complete cleanly.
 */
export async function settleCredits(
  context: RequestContext,
  record: AttemptRecord,
  outcome: AttemptOutcome,
): Promise<number> {
  if (record.settled) return 0;
  record.settled = true;
  const { services } = context;
  const pricing = record.pricing;
  const input: SettleInput = {
    requestId: context.requestId,
    attempt: record.attempt,
    costMicros: costMicros(outcome.counts, pricing),
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
    credential: record.credential ?? null,
  };
  const { drain } = services.routing;
  let row;
  try {
    row = await services.store.settle(input);
  } catch (error) {
    if (!isDatabaseUnavailable(error)) {
      drain.holdSettled();
      throw error;
    }
    // Shutdown keeps waiting for this hold until the journal writes it (or the drain timeout ends).
    services.settleJournal.add(input, () => drain.holdSettled());
    throw new SettleDeferredError(error);
  }
  drain.holdSettled();
  const metrics = services.metrics;
  metrics.attempts.inc({ deployment: record.target.label, state: outcome.terminalState });
  if (row.costMicros > 0) metrics.costMicros.inc({ model: record.target.model.name }, row.costMicros);
  return row.costMicros;
}
