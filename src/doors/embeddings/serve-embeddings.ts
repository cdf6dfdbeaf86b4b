/**
 * The HTTP side of an embedding door (ADR 085): the request's context, the same admission stages as
 * every door, then the exchange's `embed` step, and the answer as JSON in the door's dialect. Errors
 * use the door's shape; an Idempotency-Key replay sends the stored answer. Mirrors `serveDoor` without
 * the stream half, which embeddings do not have.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PorticoError } from '../../errors.ts';
import { toPorticoError } from '../../http/error-response.ts';
import type { RequestContext } from '../../pipeline/context.ts';
import { ADMISSION_STAGES } from '../../pipeline/index.ts';
import { SettleDeferredError } from '../../pipeline/exchange/credits.ts';
import { Exchange } from '../../pipeline/exchange/exchange.ts';
import { ClientGoneError } from '../../pipeline/exchange/signals.ts';
import type { Services } from '../../services.ts';
import { answerHeaders, sendDoorError } from '../serve.ts';
import type { EmbeddingDoor } from './embedding-door.ts';

export async function serveEmbeddings(
  services: Services,
  door: EmbeddingDoor,
  request: FastifyRequest,
  reply: FastifyReply,
  pathModel?: string,
): Promise<FastifyReply> {
  const context: RequestContext = {
    services,
    door,
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
  try {
    for (const stage of ADMISSION_STAGES) await stage(context);
    const embedding = context.embedding;
    if (!embedding) throw new Error('embedding door without an embedding request');
    if (context.replay) {
      return await reply
        .headers(context.responseHeaders)
        .header('idempotent-replayed', 'true')
        .code(context.replay.status)
        .type('application/json; charset=utf-8')
        .send(context.replay.body);
    }
    const { embedded, body } = await exchange.embed((result) => door.encodeEmbeddings(embedding, result));
    return await reply
      .headers(answerHeaders(context, embedded.served))
      .header('x-portico-cost', (embedded.costMicros / 1_000_000).toFixed(6))
      .type('application/json; charset=utf-8')
      .send(body);
  } catch (error) {
    if (error instanceof ClientGoneError || client.signal.aborted) {
      if (!reply.raw.destroyed) reply.raw.destroy();
      return reply;
    }
    const portico = error instanceof SettleDeferredError ? error.clientError : toPorticoError(error);
    if (portico.status >= 500 && !(error instanceof PorticoError && error.code !== 'internal')) {
      request.log.error({ err: error }, `${door.name} embedding request failed`);
    }
    reply.headers(context.responseHeaders);
    return sendDoorError(reply, door, portico);
  } finally {
    reply.raw.off('close', onClose);
    await exchange.close(reply.raw.statusCode);
  }
}
