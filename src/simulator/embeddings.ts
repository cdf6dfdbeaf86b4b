/**
 * The simulator's embedding endpoints: OpenAI `POST /v1/embeddings` and Gemini
 * `.../models/{model}:embedContent` / `:batchEmbedContents`. Each input gets a deterministic unit vector
 * of the requested length (seeded by a hash of its text, title and task type, so the same input always
 * gets the same vector), and usage where the real API reports it: OpenAI `usage.prompt_tokens` /
 * `total_tokens`; Gemini `usageMetadata.promptTokenCount` with its TEXT detail (what Google sends on
 * current embedding models). Tokens follow the simulator's tokenizer (text-generator.ts). The `no_usage`
 * and `zero_usage` faults, `status=...` and latency apply as for generations.
 */
import type { Exchange } from './exchange.ts';
import { isRecord, RequestError } from './protocol.ts';
import { sendError, sendJson, usageMode } from './replies.ts';
import type { RequestSettings } from './request-settings.ts';
import type { GeminiRoute, OpenAIRoute } from './routes.ts';
import { countTokens, hashText } from './text-generator.ts';

/** Default vector lengths: OpenAI's text-embedding-3-small and gemini-embedding-001. */
const OPENAI_DEFAULT_DIMENSIONS = 1536;
const GEMINI_DEFAULT_DIMENSIONS = 3072;
/** gemini-embedding-001 takes 128 to 3,072 dimensions; at most 100 requests per batch. */
const GEMINI_MIN_DIMENSIONS = 128;
const MAX_DIMENSIONS = 3072;
const GEMINI_BATCH_LIMIT = 100;
const OPENAI_INPUT_LIMIT = 2048;

interface Item {
  readonly text: string;
  readonly seed: string;
}

/** A unit vector from a seed: xorshift32 values in [-1, 1), scaled to length 1. */
export function unitVector(seed: string, dimensions: number): number[] {
  let state = hashText(seed) || 0x9e3779b9;
  const values = new Array<number>(dimensions);
  let norm = 0;
  for (let index = 0; index < dimensions; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const value = state / 0x80000000 - 1;
    values[index] = value;
    norm += value * value;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let index = 0; index < dimensions; index++) values[index] = (values[index] as number) * scale;
  return values;
}

function dimensionsOf(value: unknown, param: string, min: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_DIMENSIONS) {
    throw new RequestError(`${param} must be an integer from ${min} to ${MAX_DIMENSIONS}`, param);
  }
  return value;
}

function openAIItems(body: Record<string, unknown>): { items: Item[]; dimensions: number } {
  const input = body.input;
  const texts = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(texts) || texts.length === 0 || texts.length > OPENAI_INPUT_LIMIT) {
    throw new RequestError(`'input' must be a string or 1 to ${OPENAI_INPUT_LIMIT} strings`, 'input');
  }
  const items = texts.map((text, index) => {
    if (typeof text !== 'string' || text === '') {
      throw new RequestError(`'input[${index}]' must be a non-empty string`, 'input');
    }
    return { text, seed: text };
  });
  if (body.encoding_format !== undefined && body.encoding_format !== 'float') {
    throw new RequestError("the simulator answers encoding_format 'float' only", 'encoding_format');
  }
  return { items, dimensions: dimensionsOf(body.dimensions, 'dimensions', 1, OPENAI_DEFAULT_DIMENSIONS) };
}

function geminiItem(request: unknown, where: string, dimensions: { value: number | null }): Item {
  if (!isRecord(request)) throw new RequestError(`${where} must be an object`);
  const content = request.content;
  if (!isRecord(content) || !Array.isArray(content.parts) || content.parts.length === 0) {
    throw new RequestError(`${where}content.parts is required`);
  }
  const texts = content.parts.map((part) => {
    if (!isRecord(part) || typeof part.text !== 'string') {
      throw new RequestError(`${where}content.parts: only text parts can be embedded`);
    }
    return part.text;
  });
  const asked = dimensionsOf(
    request.outputDimensionality,
    `${where}outputDimensionality`,
    GEMINI_MIN_DIMENSIONS,
    GEMINI_DEFAULT_DIMENSIONS,
  );
  if (dimensions.value !== null && dimensions.value !== asked) {
    throw new RequestError('every request of a batch must ask for the same outputDimensionality');
  }
  dimensions.value = asked;
  const title = typeof request.title === 'string' ? request.title : '';
  const taskType = typeof request.taskType === 'string' ? request.taskType : '';
  const text = texts.join('\n');
  return { text: title === '' ? text : `${title}\n${text}`, seed: `${taskType}\u0000${title}\u0000${text}` };
}

function geminiItems(
  target: GeminiRoute,
  body: Record<string, unknown>,
): { items: Item[]; dimensions: number } {
  const dimensions: { value: number | null } = { value: null };
  if (target.embed === 'single')
    return { items: [geminiItem(body, '', dimensions)], dimensions: dimensions.value ?? 0 };
  const requests = body.requests;
  if (!Array.isArray(requests) || requests.length === 0 || requests.length > GEMINI_BATCH_LIMIT) {
    throw new RequestError(
      `* BatchEmbedContentsRequest.requests: 1 to ${GEMINI_BATCH_LIMIT} requests per batch`,
    );
  }
  const items = requests.map((request, index) => {
    const model = isRecord(request) ? request.model : undefined;
    if (model !== `models/${target.model}`) {
      throw new RequestError(`requests[${index}].model must be models/${target.model} (the batch's model)`);
    }
    return geminiItem(request, `requests[${index}].`, dimensions);
  });
  return { items, dimensions: dimensions.value ?? 0 };
}

/** Round to float32 precision's worth of digits, so answers stay a sensible size. */
function round(values: number[]): number[] {
  return values.map((value) => Math.round(value * 1e8) / 1e8);
}

function answerBody(
  target: OpenAIRoute | GeminiRoute,
  model: string,
  vectors: number[][],
  tokens: number,
  settings: RequestSettings,
): string {
  const mode = usageMode(settings);
  const reported = mode === 'zero' ? 0 : tokens;
  if (target.protocol === 'openai') {
    const data = vectors.map((embedding, index) => ({ object: 'embedding', index, embedding }));
    const usage = mode === 'none' ? {} : { usage: { prompt_tokens: reported, total_tokens: reported } };
    return JSON.stringify({ object: 'list', data, model, ...usage });
  }
  const usage =
    mode === 'none'
      ? {}
      : {
          usageMetadata: {
            promptTokenCount: reported,
            promptTokenDetails: [{ modality: 'TEXT', tokenCount: reported }],
          },
        };
  if (target.embed === 'single') return JSON.stringify({ embedding: { values: vectors[0] }, ...usage });
  return JSON.stringify({ embeddings: vectors.map((values) => ({ values })), ...usage });
}

export async function serveEmbeddings(
  exchange: Exchange,
  target: OpenAIRoute | GeminiRoute,
  body: Record<string, unknown>,
  settings: RequestSettings,
): Promise<void> {
  const attempt = exchange.attempt;
  let read: { items: Item[]; dimensions: number };
  try {
    read = target.protocol === 'openai' ? openAIItems(body) : geminiItems(target, body);
  } catch (error) {
    if (!(error instanceof RequestError)) throw error;
    return sendError(exchange, target, { status: 400, message: error.message, param: error.param });
  }
  const model = target.protocol === 'openai' ? String(body.model ?? '') : target.model;
  attempt.model = model;
  const faults = settings.faults;
  await exchange.sleep(settings.latencyMs + faults.slowFirstByteMs);
  if (exchange.closed) return;
  if (faults.status !== null && faults.status !== 200) {
    return sendError(exchange, target, {
      status: faults.status,
      reason: faults.reason,
      retryAfterSeconds: faults.retryAfterSeconds,
    });
  }
  const tokens = read.items.reduce((sum, item) => sum + countTokens(item.text), 0);
  const vectors = read.items.map((item) => round(unitVector(item.seed, read.dimensions)));
  attempt.promptTokens = tokens;
  attempt.usageReported = usageMode(settings) !== 'none';
  sendJson(exchange, 200, answerBody(target, model, vectors, tokens, settings));
}
