/**
 * The Gemini-native routes: `POST {/v1beta,/v1}/models/{model}:{method}` and
 * `GET {/v1beta,/v1}/models[/{model}]`. A model path carries its method after a colon, which Fastify's
 * router cannot split, so one wildcard route per version takes every `models/...` POST and the method
 * table below dispatches on the suffix; an unknown method is Google's 404. Another door adds its methods
 * (`embedContent`, `batchEmbedContents`) as entries of the table. Under `/v1/`, OpenAI's
 * `GET /v1/models[/{id}]` answer Google's shape to Google's clients (http/routes/models.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PorticoError } from '../../errors.ts';
import type { ResolvedModel } from '../../config/load-config.ts';
import { isEmbeddingModel } from '../../pipeline/embedding.ts';
import type { Services } from '../../services.ts';
import { serveDoor, sendDoorError } from '../serve.ts';
import { GEMINI_CODECS } from './codec.ts';
import { countTokens } from './count-tokens.ts';
import { GeminiModels } from './models.ts';
import { GEMINI_EMBED_METHODS } from '../embeddings/route.ts';

export interface GeminiMethodCall {
  readonly services: Services;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  /** The model the URL names, without `models/`. */
  readonly model: string;
}

export type GeminiMethod = (call: GeminiMethodCall) => Promise<FastifyReply>;

function wantsSse(request: FastifyRequest): boolean {
  return (request.query as Record<string, unknown> | undefined)?.alt === 'sse';
}

/** Every `:method` the door serves; `GET .../models` lists these as `supportedGenerationMethods`. */
export const GEMINI_METHODS: Readonly<Record<string, GeminiMethod>> = Object.freeze({
  generateContent: ({ services, request, reply, model }) =>
    serveDoor(services, GEMINI_CODECS.json, request, reply, model),
  streamGenerateContent: ({ services, request, reply, model }) =>
    serveDoor(services, GEMINI_CODECS[wantsSse(request) ? 'sse' : 'json-array'], request, reply, model),
  countTokens: ({ services, request, reply, model }) => countTokens(services, request, reply, model),
  ...GEMINI_EMBED_METHODS,
});

export const GEMINI_METHOD_NAMES: readonly string[] = Object.freeze(Object.keys(GEMINI_METHODS));

/** A request from one of Google's clients (its key header, its client header or `?key=`). */
export function speaksGoogle(request: FastifyRequest): boolean {
  if (request.headers.authorization !== undefined) return false;
  const query = request.query as Record<string, unknown> | undefined;
  return (
    request.headers['x-goog-api-key'] !== undefined ||
    request.headers['x-goog-api-client'] !== undefined ||
    typeof query?.key === 'string'
  );
}

const EMBED_METHODS: ReadonlySet<string> = new Set(['embedContent', 'batchEmbedContents']);

/** The methods a model supports: the embed ones for embedding models, the others for the rest. */
export function methodsFor(model: ResolvedModel): readonly string[] {
  const embedding = isEmbeddingModel(model);
  return GEMINI_METHOD_NAMES.filter((name) => EMBED_METHODS.has(name) === embedding);
}

export function geminiModels(services: Services): GeminiModels {
  return new GeminiModels(services, methodsFor);
}

/** `gemini-x:generateContent` -> its model and method, or undefined when it is not one. */
export function splitModelMethod(tail: string): { model: string; method: string } | undefined {
  const colon = tail.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const model = tail.slice(0, colon);
  if (model.includes('/')) return undefined;
  return { model, method: tail.slice(colon + 1) };
}

function notFound(request: FastifyRequest): PorticoError {
  return new PorticoError('route_not_found', {
    message: `Route ${request.method} ${request.url.split('?')[0]?.slice(0, 200)} not found`,
  });
}

export function registerGeminiNativeRoutes(app: FastifyInstance, services: Services): void {
  const door = GEMINI_CODECS.json;
  const models = geminiModels(services);
  const post = (request: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply) => {
    const target = splitModelMethod(request.params['*']);
    const method = target === undefined ? undefined : GEMINI_METHODS[target.method];
    if (target === undefined || method === undefined || !Object.hasOwn(GEMINI_METHODS, target.method)) {
      return sendDoorError(reply, door, notFound(request));
    }
    return method({ services, request, reply, model: target.model });
  };
  for (const version of ['/v1beta', '/v1']) {
    app.post(`${version}/models/*`, { config: { door } }, post);
  }
  app.get('/v1beta/models', { config: { door } }, (request, reply) => models.list(request, reply));
  app.get<{ Params: { '*': string } }>('/v1beta/models/*', { config: { door } }, (request, reply) =>
    models.get(request, reply, request.params['*']),
  );
}
