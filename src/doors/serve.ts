/**
 * The HTTP side every exchange-backed door shares: build the request's context, run admission, hand the
 * request to the exchange, write its answer as JSON or SSE in the door's dialect, and always end the
 * writer and close the exchange. Nothing here knows a provider.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PorticoError } from '../errors.ts';
import { toPorticoError } from '../http/error-response.ts';
import { SseWriter } from '../http/sse-writer.ts';
import { ADMISSION_STAGES } from '../pipeline/index.ts';
import type { RequestContext } from '../pipeline/context.ts';
import { Exchange } from '../pipeline/exchange/exchange.ts';
import { SettleDeferredError } from '../pipeline/exchange/credits.ts';
import { ClientGoneError } from '../pipeline/exchange/signals.ts';
import type { Served } from '../pipeline/exchange/types.ts';
import type { Services } from '../services.ts';
import type { DoorCodec } from './codec.ts';
import { SseSink } from './sse-sink.ts';

/** Headers every answer of this request carries; a fallback names the model that answered. */
export function answerHeaders(context: RequestContext, served: Served): Record<string, string> {
  const headers: Record<string, string> = { 'x-request-id': context.requestId, ...context.responseHeaders };
  if (served.isFallback) headers['x-portico-fallback-model'] = served.model.name;
  return headers;
}

/** What answering an error in a door's shape needs (an embedding door has no stream half). */
type ErrorShape = Pick<DoorCodec, 'errorReply'>;

/** The door a route belongs to (route config `{ door }`), for errors raised before the handler runs. */
export function doorOf(request: FastifyRequest): ErrorShape | undefined {
  return (request.routeOptions.config as { door?: ErrorShape } | undefined)?.door;
}

export function sendDoorError(reply: FastifyReply, codec: ErrorShape, error: PorticoError): FastifyReply {
  const { status, headers, body } = codec.errorReply(error);
  return reply.code(status).headers(headers).send(body);
}

export async function serveDoor(
  services: Services,
  codec: DoorCodec,
  request: FastifyRequest,
  reply: FastifyReply,
  pathModel?: string,
): Promise<FastifyReply> {
  const context: RequestContext = {
    services,
    door: codec,
    requestId: request.id,
    startedAt: Date.now(),
    headers: request.headers,
    rawBody: request.body,
    pathModel,
    responseHeaders: {},
  };
  const client = new AbortController();
  const onClose = (): void => {
    if (!reply.raw.writableFinished) client.abort();
  };
  reply.raw.once('close', onClose);
  const exchange = new Exchange(context, client.signal);
  let sink: SseSink | undefined;
  try {
    for (const stage of ADMISSION_STAGES) await stage(context);
    if (codec.native) context.native = codec.native(context.rawBody, context);
    if (context.replay) return sendReplay(context, codec, reply);
    if (codec.wantsStream(context)) {
      sink = new SseSink(codec.streamEncoder(context), (served) => {
        reply.hijack();
        return new SseWriter(reply.raw, services.sseTicker, answerHeaders(context, served), {
          signal: exchange.signal,
          record: context.idempotency !== undefined,
          writeTimeoutMs: services.config.sseWriteTimeoutMs,
        });
      });
      await exchange.stream(sink);
      return reply;
    }
    const { completed, body } = await exchange.complete(codec.encodeJson(context));
    return await reply
      .headers(answerHeaders(context, completed.served))
      .header('x-portico-cost', (completed.costMicros / 1_000_000).toFixed(6))
      .type('application/json; charset=utf-8')
      .send(body);
  } catch (error) {
    if (error instanceof ClientGoneError || client.signal.aborted) {
      if (!reply.raw.destroyed) reply.raw.destroy();
      return reply;
    }
    const portico = error instanceof SettleDeferredError ? error.clientError : toPorticoError(error);
    if (portico.status >= 500 && !(error instanceof PorticoError && error.code !== 'internal')) {
      request.log.error({ err: error }, `${codec.name} request failed`);
    }
    if (sink?.writer) {
      // A bug after the stream started: the client still gets an error event, never a hang.
      await sink.fail(portico);
      return reply;
    }
    reply.headers(context.responseHeaders);
    return sendDoorError(reply, codec, portico);
  } finally {
    reply.raw.off('close', onClose);
    sink?.writer?.end();
    await exchange.close(reply.raw.statusCode);
  }
}

/** Replay the stored answer of a completed Idempotency-Key: same body, no upstream call, no charge. */
function sendReplay(context: RequestContext, codec: DoorCodec, reply: FastifyReply): FastifyReply {
  const stored = context.replay;
  if (!stored) throw new Error('replay without a stored answer');
  reply.headers(context.responseHeaders).header('idempotent-replayed', 'true').code(stored.status);
  const stream = codec.wantsStream(context);
  reply.type(stream ? 'text/event-stream; charset=utf-8' : 'application/json; charset=utf-8');
  return reply.send(stored.body);
}
