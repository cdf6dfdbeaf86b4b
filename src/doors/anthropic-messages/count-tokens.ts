/**
 * `POST /v1/messages/count_tokens`: the prompt's tokens, free of charge. The key is checked, the body
 * decoded as for `/v1/messages`, the model resolved and the key's allow-list applied (a model the key may
 * not use is a 403 here too); then Portico's one usage estimator counts the prompt (about four
 * characters a token, billing/estimate-usage.ts). No upstream is called, nothing is held or billed, and
 * no rate limit is spent: the answer is an estimate, as Anthropic's own documentation calls its count.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { estimatePromptTokens } from '../../billing/estimate-usage.ts';
import { toPorticoError } from '../../http/error-response.ts';
import { authenticate } from '../../pipeline/authenticate.ts';
import type { RequestContext } from '../../pipeline/context.ts';
import { decodeRequest } from '../../pipeline/decode-request.ts';
import { authorizeModel, resolveModel } from '../../pipeline/resolve-model.ts';
import type { Services } from '../../services.ts';
import { sendDoorError } from '../serve.ts';
import { anthropicCountTokensDoor } from './codec.ts';

export async function countTokens(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const context: RequestContext = {
    services,
    door: anthropicCountTokensDoor,
    requestId: request.id,
    startedAt: Date.now(),
    headers: request.headers,
    rawBody: request.body,
    responseHeaders: {},
  };
  try {
    await authenticate(context);
    await decodeRequest(context);
    resolveModel(context);
    authorizeModel(context);
    const body = context.body;
    if (!body) throw new Error('count_tokens without a decoded body');
    return await reply
      .type('application/json; charset=utf-8')
      .send({ input_tokens: estimatePromptTokens(body) });
  } catch (error) {
    return sendDoorError(reply, anthropicCountTokensDoor, toPorticoError(error));
  }
}
