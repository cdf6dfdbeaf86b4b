/**
 * Exchange step "attempts": pick the next target (routing), hold its credits, call the provider, and on
 * failure settle the attempt and retry only where `retryScope` allows (DESIGN.md §8). For streams, the
 * first chunk decides: the client's status is chosen only once the upstream produced real content, so an
 * upstream that fails as 200 + error event can still fall back; after that, nothing is retried.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedModel } from '../../config/load-config.ts';
import { PorticoError } from '../../errors.ts';
import { emptyTokenCounts, type ChunkChoice, type TokenCounts } from '../../openai/response.ts';
import type {
  CompletionResult,
  EmbedResult,
  ProviderRequest,
  StreamEvent,
} from '../../providers/provider.ts';
import { UpstreamError } from '../../providers/shared/upstream-error.ts';
import { classifyTransportError } from '../../providers/shared/upstream-client.ts';
import { credentialOf } from '../../providers/shared/pooled-call.ts';
import { AttemptRouter } from '../../routing/attempt-router.ts';
import { ShutdownError } from '../../routing/drain.ts';
import { planAttempts, type AttemptTarget } from '../../routing/plan.ts';
import { retryScope } from '../../routing/retry-policy.ts';
import { allowedModels, closestModel, keyAllows } from '../resolve-model.ts';
import type { RequestContext } from '../context.ts';
import { promptOnlyUsage } from '../../billing/estimate-usage.ts';
import { holdCredits, holdEmbeddingCredits, settleCredits, type AttemptRecord } from './credits.ts';
import { ClientGoneError, type RequestSignals } from './signals.ts';

/** Why an attempt ended without an answer: the upstream failed, or the drain cut it. */
export type AttemptFailure = UpstreamError | ShutdownError;

export function terminalStateOf(error: AttemptFailure): 'timeout' | 'client_disconnected' | 'upstream_error' {
  if (error instanceof ShutdownError) return 'timeout';
  if (error.kind === 'aborted') return 'client_disconnected';
  return error.kind.startsWith('timeout') ? 'timeout' : 'upstream_error';
}

/** The ledger row's error code for a failed attempt. */
export function errorCodeOf(error: AttemptFailure): string {
  if (error instanceof ShutdownError) return 'shutdown_drain_timeout';
  return error.kind === 'status' ? `upstream_${error.upstreamStatus ?? 0}` : `upstream_${error.kind}`;
}

/** Any thrown value during an attempt, classified once. */
export function asAttemptFailure(error: unknown, signals: RequestSignals): AttemptFailure {
  if (signals.cut)
    return signals.drain.reason instanceof ShutdownError ? signals.drain.reason : new ShutdownError();
  if (error instanceof UpstreamError || error instanceof ShutdownError) return error;
  if (error instanceof ClientGoneError) {
    return new UpstreamError({ kind: 'aborted', code: 'upstream_failed', message: 'client disconnected' });
  }
  if (error instanceof PorticoError) {
    // The provider refused the request itself (it cannot be translated): the client's fault, shown as
    // is, never retried, and no mark against the deployment (no upstream status: the breaker sees 0).
    return new UpstreamError({
      kind: 'status',
      code: error.code,
      message: `request refused before the upstream: ${error.message}`,
      clientMessage: error.message,
      param: error.param,
    });
  }
  return classifyTransportError(error, signals.client);
}

function routerFor(context: RequestContext): AttemptRouter {
  const { key, model, services } = context;
  if (!key || !model) throw new Error('attempts before admission');
  const { health, policy } = services.routing;
  const mayUse = (candidate: ResolvedModel) => keyAllows(key, candidate);
  const targets = planAttempts(services.config, model, mayUse, Math.random, health, services.routing.now());
  return new AttemptRouter(targets, health, policy);
}

export function providerInput(
  context: RequestContext,
  record: AttemptRecord,
  signal: AbortSignal,
): ProviderRequest {
  const body = context.body;
  if (!body) throw new Error('attempt before decoding');
  return {
    request: body,
    upstreamModel: record.target.deployment.model,
    traits: record.target.model.traits,
    maxOutputTokens: record.maxOutputTokens,
    signal,
    requestId: context.requestId,
    headers: { 'x-portico-request-id': context.requestId, 'x-portico-attempt': String(record.attempt) },
    native: context.native,
  };
}

/** Settle a failed attempt at what the upstream reported (nothing, before content) and tell routing. */
async function failAttempt(
  context: RequestContext,
  record: AttemptRecord,
  failure: AttemptFailure,
  signals: RequestSignals,
  stream: boolean,
  counts: TokenCounts,
): Promise<void> {
  const { health } = context.services.routing;
  const clientGone = signals.client.aborted;
  if (failure instanceof ShutdownError || clientGone) health.release(record.target.label);
  else health.recordFailure(record.target.label, failure, context.services.routing.now());
  // A client that leaves while its request is upstream pays the prompt (estimated): the upstream bills
  // the operator for what it read, even when nothing is generated (docs/life-of-a-request.md).
  const leftMidway = clientGone && counts.total === 0 && context.body !== undefined;
  await settleCredits(context, record, {
    counts: leftMidway && context.body ? promptOnlyUsage(context.body) : counts,
    usageEstimated: leftMidway,
    terminalState: clientGone ? 'client_disconnected' : terminalStateOf(failure),
    status: clientGone ? 499 : failure.clientError.status,
    ttftMs: null,
    stream,
    errorCode: clientGone ? 'client_disconnected' : errorCodeOf(failure),
  });
  context.services.logger.warn(
    {
      requestId: context.requestId,
      attempt: record.attempt,
      deployment: record.target.label,
      kind: failure instanceof UpstreamError ? failure.kind : 'shutdown',
      status: failure instanceof UpstreamError ? failure.upstreamStatus : undefined,
      detail: failure.message,
    },
    'upstream attempt failed',
  );
  if (clientGone) throw new ClientGoneError();
}

type HoldStep = (context: RequestContext, target: AttemptTarget, attempt: number) => Promise<AttemptRecord>;

/** Hold credits for the attempt; a refused hold must not leave a half-open probe marked in flight. */
async function hold(
  context: RequestContext,
  target: AttemptTarget,
  attempt: number,
  holdStep: HoldStep,
): Promise<AttemptRecord> {
  try {
    return await holdStep(context, target, attempt);
  } catch (error) {
    context.services.routing.health.release(target.label);
    throw error;
  }
}

/** Wait before a retry; the client leaving or the drain cut ends the wait. */
async function pause(waitMs: number, signals: RequestSignals): Promise<void> {
  if (waitMs <= 0) return;
  try {
    await sleep(waitMs, undefined, { signal: signals.upstream });
  } catch {
    if (signals.client.aborted) throw new ClientGoneError();
    throw new ShutdownError().clientError;
  }
}

/**
 * An upstream that no longer knows the model (a retired Gemini model still in the catalogue): the
 * seed's 404, suggesting the model's first fallback the key may use, else the closest model it may use.
 */
function modelGone(context: RequestContext, error: PorticoError): PorticoError {
  const { key, model, services } = context;
  if (!key || !model) return error;
  const models = services.config.models;
  const usable = (name: string) =>
    name !== model.name && models[name] !== undefined && keyAllows(key, models[name]);
  const suggestion =
    model.fallbacks.find(usable) ??
    closestModel(
      model.name,
      allowedModels(models, key)
        .map((candidate) => candidate.name)
        .filter(usable),
    );
  return new PorticoError('model_not_found', { message: error.message, param: 'model', suggestion });
}

function finalError(
  context: RequestContext,
  router: AttemptRouter,
  lastError: AttemptFailure | undefined,
  now: number,
): PorticoError {
  if (lastError) {
    const error = lastError.clientError;
    return error.code === 'model_not_found' ? modelGone(context, error) : error;
  }
  const cooling = router.cooling(now);
  if (cooling) {
    // Every deployment asked us to back off and the wait does not fit the budget: say so, without a call.
    const code = cooling.status === 503 ? 'upstream_unavailable' : 'upstream_rate_limited';
    return new PorticoError(code, { retryAfterSeconds: cooling.retryAfterSeconds });
  }
  return new PorticoError('upstream_failed', { message: 'The model has no usable deployment right now' });
}

/** Usage an attempt reported before it failed (a stream that broke before content), settled at that. */
interface Partial {
  counts?: TokenCounts;
}

/**
 * The attempt loop every kind of answer shares. `run` performs one attempt; when it throws, the attempt
 * is settled and the loop moves on where the retry policy allows, else the last failure's client error
 * is thrown (a `PorticoError`), or `ClientGoneError` when the client left. `holdStep` holds each
 * attempt's credits (default: a generation's hold; embeddings pass theirs).
 */
export async function routeAttempts<T>(
  context: RequestContext,
  signals: RequestSignals,
  stream: boolean,
  run: (record: AttemptRecord, partial: Partial) => Promise<T>,
  holdStep: HoldStep = holdCredits,
): Promise<T> {
  const router = routerFor(context);
  const { routing } = context.services;
  let lastError: AttemptFailure | undefined;
  for (let choice = router.next(routing.now()); choice; choice = router.next(routing.now())) {
    await pause(choice.waitMs, signals);
    const { target } = choice;
    const record = await hold(context, target, router.attempts, holdStep);
    const partial: Partial = {};
    try {
      return await run(record, partial);
    } catch (error) {
      lastError = asAttemptFailure(error, signals);
      record.credential ??= credentialOf(lastError);
      await failAttempt(context, record, lastError, signals, stream, partial.counts ?? emptyTokenCounts());
      const scope = lastError instanceof ShutdownError ? 'none' : retryScope(lastError, stream);
      if (scope === 'none') break;
      router.failed(target, scope, routing.now());
    }
  }
  throw finalError(context, router, lastError, routing.now());
}

export interface AnsweredAttempt {
  result: CompletionResult;
  record: AttemptRecord;
}

export function completeAttempts(context: RequestContext, signals: RequestSignals): Promise<AnsweredAttempt> {
  const { routing, providers } = context.services;
  return routeAttempts(context, signals, false, async (record) => {
    const { target } = record;
    const result = await providers
      .get(target.deployment.provider)
      .complete(providerInput(context, record, signals.upstream));
    record.credential = credentialOf(result);
    routing.health.recordLatency(target.label, Date.now() - record.startedAt, routing.now());
    routing.health.recordSuccess(target.label);
    return { result, record };
  });
}

export interface EmbeddedAttempt {
  result: EmbedResult;
  record: AttemptRecord;
}

/** Embeddings (ADR 085): the same loop, with the embedding hold and the provider's `embed`. */
export function embedAttempts(context: RequestContext, signals: RequestSignals): Promise<EmbeddedAttempt> {
  const { routing, providers } = context.services;
  const request = context.embedding;
  if (!request) throw new Error('embedding attempts without an embedding request');
  return routeAttempts(
    context,
    signals,
    false,
    async (record) => {
      const { target } = record;
      const provider = providers.get(target.deployment.provider);
      if (!provider.embed) {
        throw new PorticoError('invalid_request', {
          message: `The model '${target.model.name}' is served by a provider that makes no embeddings`,
          param: 'model',
        });
      }
      const result = await provider.embed({
        request,
        upstreamModel: target.deployment.model,
        signal: signals.upstream,
        requestId: context.requestId,
        headers: { 'x-portico-request-id': context.requestId, 'x-portico-attempt': String(record.attempt) },
      });
      routing.health.recordLatency(target.label, Date.now() - record.startedAt, routing.now());
      routing.health.recordSuccess(target.label);
      return { result, record };
    },
    holdEmbeddingCredits,
  );
}

export interface OpenedStream {
  record: AttemptRecord;
  /** Events already pulled from the upstream while deciding (at least one `choices` event unless it ended). */
  buffered: StreamEvent[];
  iterator: AsyncIterator<StreamEvent>;
  done: boolean;
}

export function openStreamAttempts(context: RequestContext, signals: RequestSignals): Promise<OpenedStream> {
  const { routing, providers } = context.services;
  return routeAttempts(context, signals, true, async (record, partial) => {
    const { target } = record;
    const buffered: StreamEvent[] = [];
    const events = await providers
      .get(target.deployment.provider)
      .stream(providerInput(context, record, signals.upstream));
    record.credential = credentialOf(events);
    const iterator = events[Symbol.asyncIterator]();
    // The first chunk decides: pull until real content (or the end) before committing to a 200.
    while (true) {
      const next = await iterator.next();
      if (next.done) {
        routing.health.recordSuccess(target.label);
        return { record, buffered, iterator, done: true };
      }
      buffered.push(next.value);
      if (next.value.type === 'usage') partial.counts = next.value.counts;
      if (next.value.type === 'choices' && hasContent(next.value.choices)) {
        routing.health.recordLatency(target.label, Date.now() - record.startedAt, routing.now());
        return { record, buffered, iterator: watched(context, target, iterator, signals), done: false };
      }
    }
  });
}

/**
 * The rest of a committed stream: its outcome feeds the deployment's breaker (a stream that stalls or
 * breaks midway is a failure of that deployment), and a drain cut surfaces as `ShutdownError`.
 */
function watched(
  context: RequestContext,
  target: AttemptTarget,
  inner: AsyncIterator<StreamEvent>,
  signals: RequestSignals,
): AsyncIterator<StreamEvent> {
  const { routing } = context.services;
  const { health } = routing;
  return {
    async next() {
      try {
        const result = await inner.next();
        if (result.done) health.recordSuccess(target.label);
        return result;
      } catch (error) {
        const failure = asAttemptFailure(error, signals);
        if (failure instanceof ShutdownError || signals.client.aborted) health.release(target.label);
        else health.recordFailure(target.label, failure, routing.now());
        throw failure;
      }
    },
    async return(value?: unknown) {
      health.release(target.label);
      return (await inner.return?.(value)) ?? { done: true, value: undefined };
    },
  };
}

/** Real content: text, reasoning, a tool call or a finish reason (a bare `role` delta is not). */
function hasContent(choices: ChunkChoice[]): boolean {
  return choices.some(
    (choice) =>
      choice.finish_reason !== null ||
      Boolean(choice.delta.content) ||
      Boolean(choice.delta.reasoning_content) ||
      (choice.delta.tool_calls?.length ?? 0) > 0,
  );
}
