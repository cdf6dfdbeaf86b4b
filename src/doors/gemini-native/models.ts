/**
 * `GET /v1beta/models` and `GET /v1beta/models/{model}` (and under `/v1/`) in Google's `Model` resource
 * shape, listing only the models the key may use, each with the methods of the door's table that fit it
 * (generation methods for chat models, the embed methods for embedding models).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ResolvedModel } from '../../config/load-config.ts';
import { PorticoError } from '../../errors.ts';
import { toPorticoError } from '../../http/error-response.ts';
import { authenticatedCaller } from '../../keys/authenticated-caller.ts';
import { resolveApiKey } from '../../pipeline/authenticate.ts';
import { allowedModels, closestModel, findModel, keyAllows } from '../../pipeline/resolve-model.ts';
import type { Services } from '../../services.ts';
import type { ApiKeyRecord } from '../../store/types.ts';
import { bareModel } from './decode.ts';
import { googleErrorReply } from './errors.ts';

export function googleModel(model: ResolvedModel, methods: readonly string[]): Record<string, unknown> {
  return {
    name: `models/${model.name}`,
    baseModelId: model.name,
    version: 'portico',
    displayName: model.name,
    description: model.simulated ? 'Served by the Portico simulator' : 'Served through Portico',
    inputTokenLimit: model.contextWindow,
    outputTokenLimit: model.maxOutputTokens,
    supportedGenerationMethods: [...methods],
    thinking: model.traits.thinking !== undefined && model.traits.thinking !== 'none',
  };
}

/** Answers a models request in Google's shape, errors included. */
async function answer(reply: FastifyReply, work: () => Promise<unknown>): Promise<FastifyReply> {
  try {
    return await reply.send(await work());
  } catch (error) {
    const { status, headers, body } = googleErrorReply(toPorticoError(error));
    return reply.code(status).headers(headers).send(body);
  }
}

export class GeminiModels {
  readonly #services: Services;
  readonly #methods: (model: ResolvedModel) => readonly string[];

  constructor(services: Services, methods: (model: ResolvedModel) => readonly string[]) {
    this.#services = services;
    this.#methods = methods;
  }

  /** The key the client gate authenticated (any of the dialect's places, `?key=` included). */
  async #key(request: FastifyRequest): Promise<ApiKeyRecord> {
    return (
      authenticatedCaller(request.headers)?.key ??
      (await resolveApiKey({ services: this.#services, headers: request.headers }))
    );
  }

  list(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    return answer(reply, async () => {
      const key = await this.#key(request);
      return {
        models: allowedModels(this.#services.config.models, key).map((model) =>
          googleModel(model, this.#methods(model)),
        ),
      };
    });
  }

  get(request: FastifyRequest, reply: FastifyReply, name: string): Promise<FastifyReply> {
    return answer(reply, async () => {
      const key = await this.#key(request);
      const wanted = bareModel(name);
      const { models } = this.#services.config;
      const model = findModel(models, wanted);
      if (!model || !keyAllows(key, model)) {
        throw new PorticoError('model_not_found', {
          message: `models/${wanted.slice(0, 100)} is not found`,
          param: 'model',
          suggestion: closestModel(
            wanted,
            allowedModels(models, key).map((entry) => entry.name),
          ),
        });
      }
      return googleModel(model, this.#methods(model));
    });
  }
}
