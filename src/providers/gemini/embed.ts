/**
 * Gemini embeddings (ai.google.dev/api/embeddings): one input goes to `:embedContent`, several to
 * `:batchEmbedContents` in slices of at most 100 requests (the API's batch limit). Each input is a
 * content of text parts with its `taskType` and `title`; `outputDimensionality` truncates the vector.
 * The answer's `usageMetadata.promptTokenCount` is the billed input (Google reports it on current
 * models; when it is absent the exchange estimates and flags the row). Answers are read structurally:
 * every vector must be a list of finite numbers, one per input, or the answer is a protocol error.
 */
import type { EmbeddingInput, EmbeddingRequest } from '../../pipeline/embedding.ts';
import { UpstreamError } from '../shared/upstream-error.ts';
import { geminiErrorFromBody, isGeminiErrorBody } from './errors.ts';

/** `BatchEmbedContentsRequest.requests`: at most 100 per call. */
export const GEMINI_EMBED_BATCH_LIMIT = 100;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function protocolError(message: string, cause?: unknown): UpstreamError {
  return new UpstreamError({
    kind: 'protocol',
    code: 'upstream_failed',
    message: `gemini: ${message}`,
    cause,
  });
}

/** `models/{id}` for a bare id; a path (`tunedModels/x`) as it is. */
function resourceName(upstreamModel: string): string {
  return upstreamModel.includes('/') ? upstreamModel : `models/${upstreamModel}`;
}

/** One `EmbedContentRequest`; `withModel` for batch entries, which must name their model. */
export function embedContentRequest(
  upstreamModel: string,
  input: EmbeddingInput,
  dimensions: number | undefined,
  withModel: boolean,
): JsonObject {
  const body: JsonObject = {};
  if (withModel) body.model = resourceName(upstreamModel);
  body.content = { role: 'user', parts: input.parts.map((text) => ({ text })) };
  if (input.taskType !== undefined) body.taskType = input.taskType;
  if (input.title !== undefined) body.title = input.title;
  if (dimensions !== undefined) body.outputDimensionality = dimensions;
  return body;
}

/** The upstream calls one embedding request needs: `[method, body, inputs covered]` in order. */
export function embedCalls(
  upstreamModel: string,
  request: EmbeddingRequest,
): Array<{ method: ':embedContent' | ':batchEmbedContents'; body: JsonObject; count: number }> {
  const { inputs, dimensions } = request;
  if (inputs.length === 1 && !request.batch) {
    const only = inputs[0] as EmbeddingInput;
    return [
      {
        method: ':embedContent',
        body: embedContentRequest(upstreamModel, only, dimensions, false),
        count: 1,
      },
    ];
  }
  const calls = [];
  for (let start = 0; start < inputs.length; start += GEMINI_EMBED_BATCH_LIMIT) {
    const slice = inputs.slice(start, start + GEMINI_EMBED_BATCH_LIMIT);
    calls.push({
      method: ':batchEmbedContents' as const,
      body: { requests: slice.map((input) => embedContentRequest(upstreamModel, input, dimensions, true)) },
      count: slice.length,
    });
  }
  return calls;
}

function vector(value: unknown, where: string): number[] {
  const values = isObject(value) ? value.values : undefined;
  if (!Array.isArray(values) || values.length === 0) throw protocolError(`${where} has no values`);
  for (const item of values) {
    if (typeof item !== 'number' || !Number.isFinite(item))
      throw protocolError(`${where} has a non-number value`);
  }
  return values as number[];
}

/** `usageMetadata.promptTokenCount`, when the answer has a usable one. */
function promptTokens(body: JsonObject): number | undefined {
  const usage = body.usageMetadata;
  if (!isObject(usage)) return undefined;
  const count = usage.promptTokenCount;
  return typeof count === 'number' && Number.isInteger(count) && count >= 0 ? count : undefined;
}

/** An `EmbedContentResponse` or `BatchEmbedContentsResponse` text: its vectors and reported tokens. */
export function parseEmbedAnswer(
  text: string,
  status: number,
  expected: number,
): { vectors: number[][]; promptTokens: number | undefined } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw protocolError('upstream sent malformed JSON', error);
  }
  if (isGeminiErrorBody(value)) throw geminiErrorFromBody(value, status);
  if (!isObject(value)) throw protocolError('upstream body is not a JSON object');
  let vectors: number[][];
  if (Array.isArray(value.embeddings)) {
    vectors = value.embeddings.map((item, index) => vector(item, `embeddings[${index}]`));
  } else if (value.embedding !== undefined) {
    vectors = [vector(value.embedding, 'embedding')];
  } else {
    throw protocolError('the answer has no embedding');
  }
  if (vectors.length !== expected) {
    throw protocolError(`asked for ${expected} embeddings, got ${vectors.length}`);
  }
  return { vectors, promptTokens: promptTokens(value) };
}
