/**
 * `:countTokens`: the prompt's tokens as Portico estimates them (billing/estimate-usage.ts, about four
 * characters a token), with the same key, model allow-list and request decoding as a generation. It is
 * free, as Google's is, and writes no ledger row. The body is `{contents}` or `{generateContentRequest}`
 * (ai.google.dev/api/tokens); the URL's model is the only model.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { estimatePromptTokens } from '../../billing/estimate-usage.ts';
import { PorticoError } from '../../errors.ts';
import { toPorticoError } from '../../http/error-response.ts';
import { authenticatedCaller } from '../../keys/authenticated-caller.ts';
import { resolveApiKey } from '../../pipeline/authenticate.ts';
import { closestModel, allowedModels, findModel, keyAllows } from '../../pipeline/resolve-model.ts';
import type { Services } from '../../services.ts';
import { bareModel, decodeGenerateRequest } from './decode.ts';
import { googleErrorReply } from './errors.ts';
import { invalid, readFields } from './fields.ts';

async function count(services: Services, request: FastifyRequest, pathModel: string): Promise<unknown> {
  const key =
    authenticatedCaller(request.headers)?.key ??
    (await resolveApiKey({ services, headers: request.headers }));
  const name = bareModel(pathModel);
  const { models } = services.config;
  const model = findModel(models, name);
  if (!model) {
    throw new PorticoError('model_not_found', {
      message: `models/${name.slice(0, 100)} is not found`,
      param: 'model',
      suggestion: closestModel(
        name,
        allowedModels(models, key).map((entry) => entry.name),
      ),
    });
  }
  if (!keyAllows(key, model)) {
    throw new PorticoError('model_forbidden', {
      message: `This key may not use the model '${model.name}'`,
      param: 'model',
    });
  }
  const fields = readFields(request.body ?? {}, '', ['contents', 'generateContentRequest']);
  if ((fields.contents === undefined) === (fields.generateContentRequest === undefined)) {
    throw invalid('send contents or generateContentRequest (one of them)', 'contents');
  }
  const body =
    fields.generateContentRequest !== undefined
      ? fields.generateContentRequest
      : { contents: fields.contents };
  const canonical = decodeGenerateRequest(body, pathModel, false);
  return { totalTokens: estimatePromptTokens(canonical) };
}

export async function countTokens(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  pathModel: string,
): Promise<FastifyReply> {
  try {
    return await reply.send(await count(services, request, pathModel));
  } catch (error) {
    const { status, headers, body } = googleErrorReply(toPorticoError(error));
    return reply.code(status).headers(headers).send(body);
  }
}
