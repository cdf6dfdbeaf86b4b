/**
 * OpenAI-compatible embeddings (`POST {base_url}/embeddings`, platform.openai.com/docs/api-reference/
 * embeddings). Portico always asks the upstream for `float` vectors and encodes base64 for its client
 * itself, so a server that only speaks float still serves a base64 client. A Gemini content's text parts
 * become one input (joined by newlines); Gemini's `taskType` and `title` have no OpenAI field and are
 * refused by name. `usage.prompt_tokens` is the billed input; without it the exchange estimates.
 */
import type { EmbeddingRequest } from '../../pipeline/embedding.ts';
import { UpstreamError } from '../shared/upstream-error.ts';
import { errorPayloadError, isErrorPayload, protocolError } from './upstream-errors.ts';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refused(message: string, param: string): UpstreamError {
  return new UpstreamError({
    kind: 'status',
    code: 'invalid_request',
    message: `openai embeddings conversion: ${message}`,
    clientMessage: message,
    param,
  });
}

/** The upstream body; throws (as the client's 400) for what an OpenAI-compatible upstream cannot take. */
export function embeddingsBody(upstreamModel: string, request: EmbeddingRequest): string {
  const texts = request.inputs.map((input, index) => {
    const where = request.batch ? `requests[${index}]` : '';
    const at = (field: string) => (where === '' ? field : `${where}.${field}`);
    if (input.taskType !== undefined) {
      throw refused(
        'taskType cannot be honoured by this model (an OpenAI-compatible upstream)',
        at('taskType'),
      );
    }
    if (input.title !== undefined) {
      throw refused('title cannot be honoured by this model (an OpenAI-compatible upstream)', at('title'));
    }
    return input.parts.join('\n');
  });
  const body: JsonObject = {
    model: upstreamModel,
    input: request.batch || texts.length !== 1 ? texts : texts[0],
    encoding_format: 'float',
  };
  if (request.dimensions !== undefined) body.dimensions = request.dimensions;
  if (request.user !== undefined) body.user = request.user;
  return JSON.stringify(body);
}

/** Little-endian float32 in base64 (what `encoding_format: "base64"` sends) back to numbers. */
function fromBase64(text: string, where: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) throw protocolError(`${where} is not float32 base64`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: number[] = [];
  for (let offset = 0; offset < bytes.length; offset += 4) values.push(view.getFloat32(offset, true));
  return values;
}

function vector(item: unknown, where: string): { index: number; values: number[] } {
  if (!isObject(item)) throw protocolError(`${where} is not an object`);
  const index = item.index;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
    throw protocolError(`${where} has no index`);
  }
  const embedding = item.embedding;
  if (typeof embedding === 'string') return { index, values: fromBase64(embedding, where) };
  if (!Array.isArray(embedding) || embedding.length === 0) throw protocolError(`${where} has no embedding`);
  for (const value of embedding) {
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw protocolError(`${where} has a non-number value`);
  }
  return { index, values: embedding as number[] };
}

/** The upstream's answer: one vector per input in input order, and `usage.prompt_tokens` if usable. */
export function parseEmbeddings(
  text: string,
  expected: number,
): { vectors: number[][]; promptTokens: number | undefined } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw protocolError('response body is not valid JSON', error);
  }
  if (isErrorPayload(value)) throw errorPayloadError(value);
  if (!isObject(value) || !Array.isArray(value.data)) throw protocolError('the answer has no data list');
  const vectors: number[][] = new Array<number[]>(expected);
  value.data.forEach((item, position) => {
    const { index, values } = vector(item, `data[${position}]`);
    if (index >= expected || vectors[index] !== undefined)
      throw protocolError(`data[${position}] has a bad index`);
    vectors[index] = values;
  });
  if (value.data.length !== expected) {
    throw protocolError(`asked for ${expected} embeddings, got ${value.data.length}`);
  }
  const usage = value.usage;
  const prompt = isObject(usage) ? usage.prompt_tokens : undefined;
  const promptTokens =
    typeof prompt === 'number' && Number.isInteger(prompt) && prompt >= 0 ? prompt : undefined;
  return { vectors, promptTokens };
}
