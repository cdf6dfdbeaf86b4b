/**
 * Embedding routes (ADR 085): `POST /v1/embeddings` (OpenAI), and the Gemini-native `:embedContent` /
 * `:batchEmbedContents` methods, which the Gemini-native door's method table dispatches to (its wildcard
 * route owns `{/v1beta,/v1}/models/*`; see gemini-native/routes.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { geminiBatchEmbedContentsDoor, geminiEmbedContentDoor } from './gemini-embed.ts';
import { openAIEmbeddingsDoor } from './openai-embeddings.ts';
import { serveEmbeddings } from './serve-embeddings.ts';

export function registerEmbeddingsRoutes(app: FastifyInstance, services: Services): void {
  app.post('/v1/embeddings', { config: { door: openAIEmbeddingsDoor } }, (request, reply) =>
    serveEmbeddings(services, openAIEmbeddingsDoor, request, reply),
  );
}

interface GeminiCall {
  readonly services: Services;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  readonly model: string;
}

/** The Gemini-native methods this folder serves, by name, for the Gemini door's method table. */
export const GEMINI_EMBED_METHODS = Object.freeze({
  embedContent: ({ services, request, reply, model }: GeminiCall) =>
    serveEmbeddings(services, geminiEmbedContentDoor, request, reply, model),
  batchEmbedContents: ({ services, request, reply, model }: GeminiCall) =>
    serveEmbeddings(services, geminiBatchEmbedContentsDoor, request, reply, model),
});
