/** `GET /openapi.json`: the client contract, generated from the same TypeBox schemas that validate it. */
import type { FastifyInstance } from 'fastify';
import { ChatCompletionRequest } from '../../openai/request.ts';

const ErrorResponse = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'type'],
      properties: {
        code: { type: 'integer' },
        message: { type: 'string' },
        type: { type: 'string' },
        param: { type: 'string' },
        fallback_suggestion: { type: 'string' },
      },
    },
  },
};

/** `POST /v1/embeddings` (docs/decisions/085-embeddings.md); the door refuses any other field. */
const EmbeddingRequest = {
  type: 'object',
  required: ['model', 'input'],
  additionalProperties: false,
  properties: {
    model: { type: 'string' },
    input: {
      oneOf: [
        { type: 'string', minLength: 1 },
        { type: 'array', minItems: 1, maxItems: 2048, items: { type: 'string', minLength: 1 } },
      ],
    },
    dimensions: { type: 'integer', minimum: 1 },
    encoding_format: { enum: ['float', 'base64'] },
    user: { type: 'string' },
  },
};

export function openApiDocument(version: string) {
  const errors = Object.fromEntries(
    ['400', '401', '402', '403', '404', '413', '429', '500', '502', '503'].map((status) => [
      status,
      {
        description: `error ${status}`,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
      },
    ]),
  );
  return {
    openapi: '3.1.0',
    info: { title: 'Portico', version, description: 'OpenAI-compatible LLM gateway' },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: { ChatCompletionRequest, EmbeddingRequest, ErrorResponse },
    },
    security: [{ bearerAuth: [] }],
    paths: {
      '/v1/chat/completions': {
        post: {
          operationId: 'createChatCompletion',
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/ChatCompletionRequest' } },
            },
          },
          responses: {
            '200': {
              description: 'A chat.completion object, or an SSE stream of chat.completion.chunk events',
            },
            ...errors,
          },
        },
      },
      '/v1/embeddings': {
        post: {
          operationId: 'createEmbedding',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/EmbeddingRequest' } } },
          },
          responses: {
            '200': { description: 'A list of embedding objects with usage.prompt_tokens' },
            ...errors,
          },
        },
      },
      '/v1/models': {
        get: {
          operationId: 'listModels',
          responses: { '200': { description: 'models the key may use' }, ...errors },
        },
      },
      '/v1/models/{id}': {
        get: { operationId: 'retrieveModel', responses: { '200': { description: 'one model' }, ...errors } },
      },
      '/v1/key': {
        get: {
          operationId: 'getKey',
          responses: { '200': { description: "the key's limits and the account's balance" }, ...errors },
        },
      },
    },
  };
}

export function registerOpenApiRoute(app: FastifyInstance, version: string): void {
  const document = JSON.stringify(openApiDocument(version));
  app.get('/openapi.json', async (_request, reply) => reply.type('application/json').send(document));
}
