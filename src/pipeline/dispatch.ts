/**
 * Stage 7: send the request upstream. Routing (src/routing) orders the targets and decides retries;
 * every attempt holds its own credits and is settled exactly once. Only failures that cannot double-bill
 * are tried again (DESIGN.md §8), preferably on another deployment. For streams, the first chunk
 * decides: the client's status is chosen only once the upstream produced real content, so an upstream
 * that fails as 200 + error event can still fall back; after that, nothing is retried.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedModel } from '../config/load-config.ts';
import { PorticoError } from '../errors.ts';
import { emptyTokenCounts, type ChunkChoice, type TokenCounts } from '../openai/response.ts';
import type { CompletionResult, ProviderRequest, StreamEvent } from '../providers/provider.ts';
import { UpstreamError } from '../providers/shared/upstream-error.ts';
import { classifyTransportError } from '../providers/shared/upstream-client.ts';
import { AttemptRouter } from '../routing/attempt-router.ts';
import { ShutdownError } from '../routing/drain.ts';
import { planAttempts, type AttemptTarget } from '../routing/plan.ts';
import { retryScope } from '../routing/retry-policy.ts';
import { keyAllows } from './resolve-model.ts';
import { reserveCredits, settleAttempt, type AttemptRecord } from './billing.ts';
import type { ChatContext } from './context.ts';

export class ClientGoneError extends Error {
  constructor() {
    super('client disconnected');
    this.name = 'ClientGoneError';
  }
}

function routerFor(context: ChatContext): AttemptRouter {
  const { key, model, services } = context;
  if (!key || !model) throw new Error('dispatch before resolve');
  const { health, policy } = services.routing;
  const mayUse = (candidate: ResolvedModel) => keyAllows(key, candidate);
  const targets = planAttempts(services.config, model, mayUse, Math.random, health, services.routing.now());
  return new AttemptRouter(targets, health, policy);
}

function providerInput(context: ChatContext, record: AttemptRecord, signal: AbortSignal): ProviderRequest {
  const body = context.body;
  if (!body) throw new Error('dispatch before validation');
  return {
    request: body,
    upstreamModel: record.target.deployment.model,
    traits: record.target.model.traits,
    maxOutputTokens: record.maxOutputTokens,
    signal,
    requestId: context.requestId,
    headers: { 'x-portico-request-id': context.requestId, 'x-portico-attempt': String(record.attempt) },
  };
}

/** Client abort and the drain cut, as one signal for the upstream call. */
interface Signals {
  readonly client: AbortSignal;
  readonly drain: AbortSignal;
  readonly upstream: AbortSignal;
}

/**
 * One controller per request, aborted by the client's signal or by the drain cut. Not `AbortSignal.any`:
 * on Node 20 every composite signal stays referenced from the long-lived drain signal forever (about 60
 * bytes a request, measured). The drain tracks live controllers in a set instead, and the request
 * leaves it when it ends (`context.releaseSignals`, called by the route).
 */
function signalsFor(context: ChatContext, client: AbortSignal): Signals {
  const { drain } = context.services.routing;
  const upstream = new AbortController();
  const onClientAbort = (): void => upstream.abort(client.reason);
  if (client.aborted) upstream.abort(client.reason);
  else client.addEventListener('abort', onClientAbort, { once: true });
  const untrack = drain.track(upstream);
  const previous = context.releaseSignals;
  context.releaseSignals = () => {
    previous?.();
    client.removeEventListener('abort', onClientAbort);
    untrack();
  };
  return { client, drain: drain.signal, upstream: upstream.signal };
}

function asUpstreamError(error: unknown, signals: Signals): UpstreamError {
  if (signals.drain.aborted && !signals.client.aborted) {
    return signals.drain.reason instanceof ShutdownError ? signals.drain.reason : new ShutdownError();
  }
  if (error instanceof UpstreamError) return error;
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

export function terminalStateOf(error: UpstreamError): 'timeout' | 'client_disconnected' | 'upstream_error' {
  if (error instanceof ShutdownError) return 'timeout';
  if (error.kind === 'aborted') return 'client_disconnected';
  return error.kind.startsWith('timeout') ? 'timeout' : 'upstream_error';
}

/** The ledger row's error code for a failed attempt. */
export function errorCodeOf(error: UpstreamError): string {
  if (error instanceof ShutdownError) return 'shutdown_drain_timeout';
  return error.kind === 'status' ? `upstream_${error.upstreamStatus ?? 0}` : `upstream_${error.kind}`;
}

/** Settle a failed attempt at what the upstream reported (nothing, before content) and tell routing. */
async function failAttempt(
  context: ChatContext,
  record: AttemptRecord,
  error: UpstreamError,
  signals: Signals,
  stream: boolean,
  counts: TokenCounts = emptyTokenCounts(),
): Promise<void> {
  const { health } = context.services.routing;
  if (error instanceof ShutdownError || signals.client.aborted) health.release(record.target.label);
  else health.recordFailure(record.target.label, error, context.services.routing.now());
  await settleAttempt(context, record, {
    counts,
    usageEstimated: false,
    terminalState: signals.client.aborted ? 'client_disconnected' : terminalStateOf(error),
    status: error.clientError.status,
    ttftMs: null,
    stream,
    errorCode: errorCodeOf(error),
  });
  context.services.logger.warn(
    {
      requestId: context.requestId,
      attempt: record.attempt,
      deployment: record.target.label,
      kind: error.kind,
      status: error.upstreamStatus,
      detail: error.message,
    },
    'upstream attempt failed',
  );
  if (signals.client.aborted) throw new ClientGoneError();
}

/** Hold credits for the attempt; a refused hold must not leave a half-open probe marked in flight. */
async function reserve(context: ChatContext, target: AttemptTarget, attempt: number): Promise<AttemptRecord> {
  try {
    return await reserveCredits(context, target, attempt);
  } catch (error) {
    context.services.routing.health.release(target.label);
    throw error;
  }
}

/** Wait before a retry; the client leaving or the drain cut ends the wait. */
async function pause(waitMs: number, signals: Signals): Promise<void> {
  if (waitMs <= 0) return;
  try {
    await sleep(waitMs, undefined, { signal: signals.upstream });
  } catch {
    if (signals.client.aborted) throw new ClientGoneError();
    throw new ShutdownError().clientError;
  }
}

function finalError(router: AttemptRouter, lastError: UpstreamError | undefined, now: number): PorticoError {
  if (lastError) return lastError.clientError;
  const cooling = router.cooling(now);
  if (cooling) {
    // Every deployment asked us to back off and the wait does not fit the budget: say so, without a call.
    const code = cooling.status === 503 ? 'upstream_unavailable' : 'upstream_rate_limited';
    return new PorticoError(code, { retryAfterSeconds: cooling.retryAfterSeconds });
  }
  return new PorticoError('upstream_failed', { message: 'The model has no usable deployment right now' });
}

export interface CompletedAttempt {
  result: CompletionResult;
  record: AttemptRecord;
}

/**
 * The attempt loop both dispatchers share: pick the next target, hold its credits, run the attempt, and
 * on failure settle it, then retry only where `retryScope` allows. `run` may record usage the upstream
 * reported before failing in `partial`, so the failed attempt is settled at that.
 */
async function routeAttempts<T>(
  context: ChatContext,
  signal: AbortSignal,
  stream: boolean,
  run: (record: AttemptRecord, signals: Signals, partial: { counts?: TokenCounts }) => Promise<T>,
): Promise<T> {
  const router = routerFor(context);
  const signals = signalsFor(context, signal);
  const { routing } = context.services;
  let lastError: UpstreamError | undefined;
  for (let choice = router.next(routing.now()); choice; choice = router.next(routing.now())) {
    await pause(choice.waitMs, signals);
    const { target } = choice;
    const record = await reserve(context, target, router.attempts);
    const partial: { counts?: TokenCounts } = {};
    try {
      return await run(record, signals, partial);
    } catch (error) {
      lastError = asUpstreamError(error, signals);
      await failAttempt(context, record, lastError, signals, stream, partial.counts);
      const scope = lastError instanceof ShutdownError ? 'none' : retryScope(lastError, stream);
      if (scope === 'none') break;
      router.failed(target, scope, routing.now());
    }
  }
  throw finalError(router, lastError, routing.now());
}

export interface CompletedAttempt {
  result: CompletionResult;
  record: AttemptRecord;
}

export function dispatchCompletion(context: ChatContext, signal: AbortSignal): Promise<CompletedAttempt> {
  const { routing, providers } = context.services;
  return routeAttempts(context, signal, false, async (record, signals) => {
    const { target } = record;
    const result = await providers
      .get(target.deployment.provider)
      .complete(providerInput(context, record, signals.upstream));
    routing.health.recordLatency(target.label, Date.now() - record.startedAt, routing.now());
    routing.health.recordSuccess(target.label);
    return { result, record };
  });
}

export interface OpenedStream {
  record: AttemptRecord;
  /** Events already pulled from the upstream while deciding (at least one `choices` event unless it ended). */
  buffered: StreamEvent[];
  iterator: AsyncIterator<StreamEvent>;
  done: boolean;
}

export function dispatchStream(context: ChatContext, signal: AbortSignal): Promise<OpenedStream> {
  const { routing, providers } = context.services;
  return routeAttempts(context, signal, true, async (record, signals, partial) => {
    const { target } = record;
    const buffered: StreamEvent[] = [];
    const events = await providers
      .get(target.deployment.provider)
      .stream(providerInput(context, record, signals.upstream));
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
  context: ChatContext,
  target: AttemptTarget,
  inner: AsyncIterator<StreamEvent>,
  signals: Signals,
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
        const failure = asUpstreamError(error, signals);
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
