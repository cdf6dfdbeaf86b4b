/**
 * `POST /v1/chat/completions`: runs the admission stages, dispatches, and writes the answer as JSON or
 * as server-sent events. Every attempt is settled exactly once, whatever happens to the client or the
 * upstream.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PorticoError } from '../../errors.ts';
import { toUsage, type ChatCompletion, type ChunkChoice, type TokenCounts } from '../../openai/response.ts';
import { ADMISSION_STAGES } from '../../pipeline/index.ts';
import type { ChatContext } from '../../pipeline/context.ts';
import {
  ClientGoneError,
  dispatchCompletion,
  dispatchStream,
  errorCodeOf,
  terminalStateOf,
  type OpenedStream,
} from '../../pipeline/dispatch.ts';
import { settleAttempt, type AttemptRecord } from '../../pipeline/billing.ts';
import { estimateCounts, estimatePromptTokens } from '../../pipeline/estimate.ts';
import type { StreamEvent } from '../../providers/provider.ts';
import { UpstreamError } from '../../providers/shared/upstream-error.ts';
import { classifyTransportError } from '../../providers/shared/upstream-client.ts';
import type { Services } from '../../services.ts';
import { errorHeaders, sendError, streamErrorBody, toPorticoError } from '../error-response.ts';
import { SseWriter } from '../sse-writer.ts';

export function usd(micros: number): number {
  return micros / 1_000_000;
}

function responseModel(context: ChatContext, record: AttemptRecord): string {
  return record.target.isFallback
    ? record.target.model.name
    : (context.body?.model ?? record.target.model.name);
}

function commonHeaders(context: ChatContext, record: AttemptRecord): Record<string, string> {
  const headers: Record<string, string> = { 'x-request-id': context.requestId, ...context.responseHeaders };
  if (record.target.isFallback) headers['x-portico-fallback-model'] = record.target.model.name;
  return headers;
}

export function registerChatRoutes(app: FastifyInstance, services: Services): void {
  app.post('/v1/chat/completions', async (request, reply) => {
    const context: ChatContext = {
      services,
      requestId: request.id,
      startedAt: Date.now(),
      headers: request.headers,
      rawBody: request.body,
      responseHeaders: {},
    };
    const abort = new AbortController();
    const onClose = (): void => {
      if (!reply.raw.writableFinished) abort.abort();
    };
    reply.raw.once('close', onClose);
    let usedTokens = 0;
    try {
      for (const stage of ADMISSION_STAGES) await stage(context);
      if (context.replay) return replay(context, reply);
      if (context.body?.stream === true) {
        usedTokens = await streamCompletion(context, request, reply, abort.signal);
        return reply;
      }
      usedTokens = await completeJson(context, reply, abort.signal);
      return reply;
    } catch (error) {
      if (context.idempotency) {
        await services.store.abandonIdempotent(context.idempotency).catch(() => undefined);
        context.idempotency = undefined;
      }
      if (error instanceof ClientGoneError || abort.signal.aborted) {
        if (!reply.sent && !reply.raw.destroyed) reply.raw.destroy();
        return reply;
      }
      const portico = toPorticoError(error);
      if (portico.status >= 500 && !(error instanceof PorticoError && error.code !== 'internal')) {
        request.log.error({ err: error }, 'chat completion failed');
      }
      reply.headers(context.responseHeaders);
      return sendError(reply, portico);
    } finally {
      reply.raw.off('close', onClose);
      context.releaseSignals?.();
      await context.ticket?.release(usedTokens);
      const model = context.model?.name ?? 'unknown';
      services.metrics.requests.inc({ model, status: String(reply.raw.statusCode) });
      services.metrics.latency.observe(
        { model, stream: String(context.body?.stream === true) },
        (Date.now() - context.startedAt) / 1000,
      );
    }
  });
}

async function completeJson(context: ChatContext, reply: FastifyReply, signal: AbortSignal): Promise<number> {
  const { result, record } = await dispatchCompletion(context, signal);
  let counts = result.counts;
  let estimated = result.usageEstimated;
  if (estimated && counts.total === 0 && context.body) {
    const chars = result.choices.reduce((sum, choice) => sum + (choice.message.content?.length ?? 0), 0);
    counts = estimateCounts(estimatePromptTokens(context.body), chars);
    estimated = true;
  }
  const { costMicros } = await settleAttempt(context, record, {
    counts,
    usageEstimated: estimated,
    terminalState: 'ok',
    status: 200,
    ttftMs: null,
    stream: false,
  });
  const body: ChatCompletion = {
    id: `chatcmpl-${context.requestId.slice(4)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: responseModel(context, record),
    choices: result.choices,
    usage: { ...toUsage(counts), cost: usd(costMicros) },
  };
  const json = JSON.stringify(body);
  if (context.idempotency) {
    await context.services.store.completeIdempotent({ ...context.idempotency, status: 200, body: json });
  }
  reply
    .headers(commonHeaders(context, record))
    .header('x-portico-cost', usd(costMicros).toFixed(6))
    .type('application/json; charset=utf-8');
  await reply.send(json);
  return counts.total;
}

interface StreamTally {
  counts: TokenCounts | undefined;
  contentChars: number;
  reasoningChars: number;
  firstTokenAt: number | null;
}

function tally(state: StreamTally, choices: ChunkChoice[]): void {
  for (const choice of choices) {
    const delta = choice.delta;
    if (delta.content) state.contentChars += delta.content.length;
    if (delta.reasoning_content) state.reasoningChars += delta.reasoning_content.length;
    if (delta.tool_calls)
      for (const call of delta.tool_calls) state.contentChars += call.function.arguments.length;
  }
  if (state.firstTokenAt === null) state.firstTokenAt = Date.now();
}

async function streamCompletion(
  context: ChatContext,
  request: FastifyRequest,
  reply: FastifyReply,
  signal: AbortSignal,
): Promise<number> {
  const opened: OpenedStream = await dispatchStream(context, signal);
  const { record } = opened;
  const body = context.body;
  if (!body) throw new Error('stream before validation');
  const includeUsage = body.stream_options?.include_usage === true;
  const created = Math.floor(Date.now() / 1000);
  const prefix = `{"id":"chatcmpl-${context.requestId.slice(4)}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(responseModel(context, record))},"choices":`;
  const suffix = includeUsage ? ',"usage":null}' : '}';
  reply.hijack();
  const writer = new SseWriter(reply.raw, context.services.sseTicker, commonHeaders(context, record));
  if (context.idempotency) writer.transcript = [];
  const state: StreamTally = { counts: undefined, contentChars: 0, reasoningChars: 0, firstTokenAt: null };
  const handle = async (event: StreamEvent): Promise<void> => {
    if (event.type === 'usage') {
      state.counts = event.counts;
      return;
    }
    tally(state, event.choices);
    await writer.data(prefix + JSON.stringify(event.choices) + suffix);
  };
  let failure: UpstreamError | undefined;
  try {
    for (const event of opened.buffered) await handle(event);
    if (!opened.done) {
      while (true) {
        if (writer.closed) throw new ClientGoneError();
        const next = await opened.iterator.next();
        if (next.done) break;
        await handle(next.value);
      }
    }
    if (writer.closed || signal.aborted) throw new ClientGoneError();
  } catch (error) {
    failure =
      error instanceof ClientGoneError || signal.aborted
        ? new UpstreamError({ kind: 'aborted', code: 'upstream_failed', message: 'client disconnected' })
        : error instanceof UpstreamError
          ? error
          : classifyTransportError(error, signal);
    if (failure.kind === 'aborted') void opened.iterator.return?.();
  }
  const estimated = state.counts === undefined;
  const counts =
    state.counts ?? estimateCounts(estimatePromptTokens(body), state.contentChars, state.reasoningChars);
  const ttftMs = state.firstTokenAt === null ? null : state.firstTokenAt - context.startedAt;
  if (failure) {
    const terminalState = terminalStateOf(failure);
    await settleAttempt(context, record, {
      counts,
      usageEstimated: estimated,
      terminalState,
      status: terminalState === 'client_disconnected' ? 499 : failure.clientError.status,
      ttftMs,
      stream: true,
      errorCode: errorCodeOf(failure),
    });
    if (terminalState !== 'client_disconnected') {
      request.log.warn({ kind: failure.kind, detail: failure.message }, 'upstream stream failed after start');
      await writer.data(JSON.stringify(streamErrorBody(failure.clientError)));
    }
    writer.end();
    if (context.idempotency) await context.services.store.abandonIdempotent(context.idempotency);
    return counts.total;
  }
  const { costMicros } = await settleAttempt(context, record, {
    counts,
    usageEstimated: estimated,
    terminalState: 'ok',
    status: 200,
    ttftMs,
    stream: true,
  });
  if (includeUsage) {
    await writer.data(
      `${prefix}[],"usage":${JSON.stringify({ ...toUsage(counts), cost: usd(costMicros) })}}`,
    );
  }
  await writer.data('[DONE]');
  writer.end();
  if (context.idempotency && writer.transcript) {
    await context.services.store.completeIdempotent({
      ...context.idempotency,
      status: 200,
      body: writer.transcript.join(''),
    });
  }
  return counts.total;
}

/** Replay the stored answer of a completed Idempotency-Key: same body, no upstream call, no charge. */
function replay(context: ChatContext, reply: FastifyReply): FastifyReply {
  const stored = context.replay;
  if (!stored) throw new Error('replay without a stored answer');
  reply.headers(context.responseHeaders).header('idempotent-replayed', 'true').code(stored.status);
  const stream = context.body?.stream === true;
  reply.type(stream ? 'text/event-stream; charset=utf-8' : 'application/json; charset=utf-8');
  return reply.send(stored.body);
}

export { errorHeaders };
