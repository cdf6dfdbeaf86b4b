/**
 * Stage 7: send the request upstream. Targets come from routing; every attempt holds its own credits and
 * is settled exactly once. A failure the upstream cannot have billed (connection refused, 429/5xx before
 * any content) moves on to the next target; anything else ends the request. For streams, the first
 * chunk decides: the client's status is chosen only once the upstream produced real content, so an
 * upstream that fails as 200 + error event can still fall back.
 */
import { PorticoError } from '../errors.ts';
import { emptyTokenCounts, type ChunkChoice, type TokenCounts } from '../openai/response.ts';
import type { CompletionResult, ProviderRequest, StreamEvent } from '../providers/provider.ts';
import { UpstreamError } from '../providers/shared/upstream-error.ts';
import { classifyTransportError } from '../providers/shared/upstream-client.ts';
import { planAttempts, type AttemptTarget } from '../routing/plan.ts';
import { keyAllows } from './resolve-model.ts';
import { reserveCredits, settleAttempt, type AttemptRecord } from './billing.ts';
import type { ChatContext } from './context.ts';

export class ClientGoneError extends Error {
  constructor() {
    super('client disconnected');
    this.name = 'ClientGoneError';
  }
}

function targetsFor(context: ChatContext): AttemptTarget[] {
  const { key, model, services } = context;
  if (!key || !model) throw new Error('dispatch before resolve');
  return planAttempts(services.config, model, (candidate) => keyAllows(key, candidate));
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

function asUpstreamError(error: unknown, signal: AbortSignal): UpstreamError {
  return error instanceof UpstreamError ? error : classifyTransportError(error, signal);
}

export function terminalStateOf(error: UpstreamError): 'timeout' | 'client_disconnected' | 'upstream_error' {
  if (error.kind === 'aborted') return 'client_disconnected';
  return error.kind.startsWith('timeout') ? 'timeout' : 'upstream_error';
}

/** Settle a failed attempt (the upstream billed nothing we know of) and decide whether to go on. */
async function failAttempt(
  context: ChatContext,
  record: AttemptRecord,
  error: UpstreamError,
  signal: AbortSignal,
  stream: boolean,
  counts: TokenCounts = emptyTokenCounts(),
): Promise<void> {
  const state = signal.aborted ? 'client_disconnected' : terminalStateOf(error);
  await settleAttempt(context, record, {
    counts,
    usageEstimated: false,
    terminalState: state,
    status: error.clientError.status,
    ttftMs: null,
    stream,
    errorCode: error.kind === 'status' ? `upstream_${error.upstreamStatus ?? 0}` : `upstream_${error.kind}`,
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
  if (signal.aborted) throw new ClientGoneError();
}

function finalError(error: UpstreamError): PorticoError {
  return error.clientError;
}

export interface CompletedAttempt {
  result: CompletionResult;
  record: AttemptRecord;
}

export async function dispatchCompletion(
  context: ChatContext,
  signal: AbortSignal,
): Promise<CompletedAttempt> {
  const targets = targetsFor(context);
  let lastError: UpstreamError | undefined;
  for (let index = 0; index < targets.length; index++) {
    const target = targets[index] as AttemptTarget;
    const record = await reserveCredits(context, target, index + 1);
    try {
      const result = await context.services.providers
        .get(target.deployment.provider)
        .complete(providerInput(context, record, signal));
      return { result, record };
    } catch (error) {
      lastError = asUpstreamError(error, signal);
      await failAttempt(context, record, lastError, signal, false);
      if (!lastError.unbilled) break;
    }
  }
  throw finalError(lastError ?? noTargets());
}

export interface OpenedStream {
  record: AttemptRecord;
  /** Events already pulled from the upstream while deciding (at least one `choices` event unless it ended). */
  buffered: StreamEvent[];
  iterator: AsyncIterator<StreamEvent>;
  done: boolean;
}

export async function dispatchStream(context: ChatContext, signal: AbortSignal): Promise<OpenedStream> {
  const targets = targetsFor(context);
  let lastError: UpstreamError | undefined;
  for (let index = 0; index < targets.length; index++) {
    const target = targets[index] as AttemptTarget;
    const record = await reserveCredits(context, target, index + 1);
    const buffered: StreamEvent[] = [];
    try {
      const events = await context.services.providers
        .get(target.deployment.provider)
        .stream(providerInput(context, record, signal));
      const iterator = events[Symbol.asyncIterator]();
      // The first chunk decides: pull until real content (or the end) before committing to a 200.
      while (true) {
        const next = await iterator.next();
        if (next.done) return { record, buffered, iterator, done: true };
        buffered.push(next.value);
        if (next.value.type === 'choices' && hasContent(next.value.choices))
          return { record, buffered, iterator, done: false };
      }
    } catch (error) {
      lastError = asUpstreamError(error, signal);
      const reported = buffered.findLast((event) => event.type === 'usage');
      await failAttempt(
        context,
        record,
        lastError,
        signal,
        true,
        reported?.type === 'usage' ? reported.counts : undefined,
      );
      if (!lastError.unbilled && lastError.kind !== 'protocol') break;
    }
  }
  throw finalError(lastError ?? noTargets());
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

function noTargets(): UpstreamError {
  return new UpstreamError({
    kind: 'connect',
    code: 'upstream_failed',
    message: 'the model has no usable deployment',
  });
}
