/**
 * The OpenAI embeddings door (`POST /v1/embeddings`, platform.openai.com/docs/api-reference/embeddings):
 * `input` as a string or an array of strings, `dimensions`, `encoding_format` float or base64, `user`.
 * Token arrays (arrays of integers) are refused naming `input`: Portico's upstreams take text, and
 * token ids of one tokenizer mean nothing to another. Any other field is refused by name, as OpenAI
 * does. Errors are the seed's body.
 */
import { PorticoError } from '../../errors.ts';
import { errorHeaders } from '../../http/error-response.ts';
import { embeddingCanonical, type EmbeddingRequest } from '../../pipeline/embedding.ts';
import type { Embedded } from '../../pipeline/exchange/types.ts';
import type { EmbeddingDoor } from './embedding-door.ts';
import { float32Base64 } from './vectors.ts';

/** OpenAI's own limit on `input` array length. */
export const MAX_INPUTS = 2048;
const KNOWN_FIELDS = new Set(['model', 'input', 'dimensions', 'encoding_format', 'user']);

function invalid(message: string, param: string): PorticoError {
  return new PorticoError('invalid_request', { message, param });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTokenArray(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'number');
}

function texts(input: unknown): { texts: string[]; batch: boolean } {
  if (typeof input === 'string') {
    if (input === '') throw invalid("'input' must not be empty", 'input');
    return { texts: [input], batch: false };
  }
  if (!Array.isArray(input)) throw invalid("'input' must be a string or an array of strings", 'input');
  if (isTokenArray(input) || input.some(isTokenArray)) {
    throw invalid("'input' as token arrays is not supported by Portico: send the text instead", 'input');
  }
  if (input.length === 0 || input.length > MAX_INPUTS) {
    throw invalid(`'input' must hold 1 to ${MAX_INPUTS} strings`, 'input');
  }
  return {
    texts: input.map((item, index) => {
      if (typeof item !== 'string' || item === '') {
        throw invalid(`'input[${index}]' must be a non-empty string`, 'input');
      }
      return item;
    }),
    batch: true,
  };
}

export function decodeOpenAIEmbedding(raw: unknown): EmbeddingRequest {
  if (!isObject(raw)) throw invalid('The request body must be a JSON object', 'body');
  for (const field of Object.keys(raw)) {
    if (!KNOWN_FIELDS.has(field)) throw invalid(`Unrecognized request argument supplied: ${field}`, field);
  }
  const { model, dimensions, user } = raw;
  const format = raw.encoding_format ?? 'float';
  if (typeof model !== 'string' || model === '') throw invalid("'model' must be a model name", 'model');
  if (raw.input === undefined) throw invalid("'input' is required", 'input');
  const { texts: inputs, batch } = texts(raw.input);
  if (
    dimensions !== undefined &&
    dimensions !== null &&
    (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > 65_536)
  ) {
    throw invalid("'dimensions' must be a positive integer", 'dimensions');
  }
  if (format !== 'float' && format !== 'base64') {
    throw invalid("'encoding_format' must be 'float' or 'base64'", 'encoding_format');
  }
  if (user !== undefined && user !== null && typeof user !== 'string') {
    throw invalid("'user' must be a string", 'user');
  }
  return {
    model,
    inputs: inputs.map((text) => ({ parts: [text] })),
    ...(typeof dimensions === 'number' ? { dimensions } : {}),
    encoding: format,
    batch,
    ...(typeof user === 'string' ? { user } : {}),
  };
}

export function encodeOpenAIEmbeddings(request: EmbeddingRequest, embedded: Embedded): string {
  const base64 = request.encoding === 'base64';
  const data = embedded.vectors.map((vector, index) => ({
    object: 'embedding',
    index,
    embedding: base64 ? float32Base64(vector) : vector,
  }));
  const tokens = embedded.counts.prompt;
  return JSON.stringify({
    object: 'list',
    data,
    model: embedded.served.responseModel,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

export const openAIEmbeddingsDoor: EmbeddingDoor = {
  name: 'embeddings',
  decode: (raw) => embeddingCanonical(decodeOpenAIEmbedding(raw)),
  decodeEmbedding: (raw) => decodeOpenAIEmbedding(raw),
  encodeEmbeddings: (request, embedded) => encodeOpenAIEmbeddings(request, embedded),
  errorReply: (error) => ({ status: error.status, headers: errorHeaders(error), body: error.toBody() }),
};
