/**
 * Upstream JSON -> `GeminiResponse`, checked structurally instead of trusted: the body must be an object,
 * and every field we read is copied only when it has the expected type. Anything else is ignored, so a
 * surprising upstream can at worst lose a field, never crash the translation or leak odd types to the
 * client. A non-object body, or an `{error}` object, is an `UpstreamError`.
 */
import { UpstreamError } from '../shared/upstream-error.ts';
import { geminiErrorFromBody, isGeminiErrorBody } from './errors.ts';
import type {
  GeminiCandidate,
  GeminiGroundingMetadata,
  GeminiLogprobCandidate,
  GeminiLogprobsResult,
  GeminiModalityCount,
  GeminiPart,
  GeminiResponse,
  GeminiUsageMetadata,
} from './gemini-types.ts';

type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
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

/** Parse one JSON text (a whole body or one SSE `data` payload). */
export function parseGeminiJson(text: string, status = 200): GeminiResponse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw protocolError('upstream sent malformed JSON', error);
  }
  if (isGeminiErrorBody(value)) throw geminiErrorFromBody(value, status);
  return toGeminiResponse(value);
}

export function toGeminiResponse(value: unknown): GeminiResponse {
  if (!isObject(value)) throw protocolError('upstream body is not a JSON object');
  const response: GeminiResponse = {};
  if (Array.isArray(value.candidates))
    response.candidates = value.candidates.filter(isObject).map(toCandidate);
  if (isObject(value.promptFeedback)) {
    const feedback = value.promptFeedback;
    response.promptFeedback = {
      blockReason: stringOrUndefined(feedback.blockReason),
      blockReasonMessage: stringOrUndefined(feedback.blockReasonMessage),
    };
  }
  if (isObject(value.usageMetadata)) response.usageMetadata = toUsage(value.usageMetadata);
  response.modelVersion = stringOrUndefined(value.modelVersion);
  response.responseId = stringOrUndefined(value.responseId);
  return response;
}

function toCandidate(value: JsonObject): GeminiCandidate {
  const candidate: GeminiCandidate = {
    index: integerOrUndefined(value.index),
    finishReason: stringOrUndefined(value.finishReason),
    finishMessage: stringOrUndefined(value.finishMessage),
  };
  if (isObject(value.logprobsResult)) candidate.logprobsResult = toLogprobs(value.logprobsResult);
  if (isObject(value.groundingMetadata)) candidate.groundingMetadata = toGrounding(value.groundingMetadata);
  if (isObject(value.content)) {
    const parts = value.content.parts;
    candidate.content = {
      role: stringOrUndefined(value.content.role),
      parts: Array.isArray(parts) ? parts.filter(isObject).map(toPart) : undefined,
    };
  }
  return candidate;
}

function toPart(value: JsonObject): GeminiPart {
  const part: GeminiPart = {};
  if (typeof value.text === 'string') part.text = value.text;
  if (value.thought === true) part.thought = true;
  if (typeof value.thoughtSignature === 'string') part.thoughtSignature = value.thoughtSignature;
  const call = value.functionCall;
  if (isObject(call) && typeof call.name === 'string') {
    part.functionCall = { name: call.name, args: isObject(call.args) ? call.args : undefined };
    if (typeof call.id === 'string') part.functionCall.id = call.id;
  }
  if (isObject(value.inlineData)) {
    const { mimeType, data } = value.inlineData;
    if (typeof mimeType === 'string' && typeof data === 'string') part.inlineData = { mimeType, data };
  }
  if (isObject(value.executableCode)) {
    part.executableCode = {
      language: stringOrUndefined(value.executableCode.language),
      code: stringOrUndefined(value.executableCode.code),
    };
  }
  if (isObject(value.codeExecutionResult)) {
    part.codeExecutionResult = {
      outcome: stringOrUndefined(value.codeExecutionResult.outcome),
      output: stringOrUndefined(value.codeExecutionResult.output),
    };
  }
  return part;
}

function toLogprobCandidates(value: unknown): GeminiLogprobCandidate[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((entry) => ({
    token: stringOrUndefined(entry.token),
    logProbability: typeof entry.logProbability === 'number' ? entry.logProbability : undefined,
  }));
}

function toLogprobs(value: JsonObject): GeminiLogprobsResult {
  return {
    chosenCandidates: toLogprobCandidates(value.chosenCandidates),
    topCandidates: Array.isArray(value.topCandidates)
      ? value.topCandidates
          .filter(isObject)
          .map((entry) => ({ candidates: toLogprobCandidates(entry.candidates) }))
      : undefined,
  };
}

/** Web (search) and maps chunks carry a uri and title; supports map answer spans to chunks. */
function toGrounding(value: JsonObject): GeminiGroundingMetadata {
  const chunks = Array.isArray(value.groundingChunks)
    ? value.groundingChunks.filter(isObject).map((chunk) => {
        const source = [chunk.web, chunk.maps, chunk.retrievedContext].find(isObject) ?? {};
        return { uri: stringOrUndefined(source.uri), title: stringOrUndefined(source.title) };
      })
    : [];
  const supports = Array.isArray(value.groundingSupports)
    ? value.groundingSupports.filter(isObject).map((support) => {
        const segment = isObject(support.segment) ? support.segment : {};
        return {
          segment: {
            startIndex: integerOrUndefined(segment.startIndex),
            endIndex: integerOrUndefined(segment.endIndex),
            text: stringOrUndefined(segment.text),
            partIndex: integerOrUndefined(segment.partIndex),
          },
          groundingChunkIndices: Array.isArray(support.groundingChunkIndices)
            ? support.groundingChunkIndices.filter((index): index is number => Number.isInteger(index))
            : [],
        };
      })
    : [];
  const searched = Array.isArray(value.webSearchQueries) && value.webSearchQueries.length > 0;
  const maps =
    Array.isArray(value.groundingChunks) &&
    value.groundingChunks.some((chunk) => isObject(chunk) && isObject(chunk.maps));
  return { billable: searched || maps, chunks, supports, raw: value };
}

function toUsage(value: JsonObject): GeminiUsageMetadata {
  return {
    promptTokenCount: countOrUndefined(value.promptTokenCount),
    cachedContentTokenCount: countOrUndefined(value.cachedContentTokenCount),
    candidatesTokenCount: countOrUndefined(value.candidatesTokenCount),
    thoughtsTokenCount: countOrUndefined(value.thoughtsTokenCount),
    toolUsePromptTokenCount: countOrUndefined(value.toolUsePromptTokenCount),
    totalTokenCount: countOrUndefined(value.totalTokenCount),
    promptTokensDetails: toModalityCounts(value.promptTokensDetails),
    candidatesTokensDetails: toModalityCounts(value.candidatesTokensDetails),
  };
}

function toModalityCounts(value: unknown): GeminiModalityCount[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(isObject).map((entry) => ({
    modality: stringOrUndefined(entry.modality),
    tokenCount: countOrUndefined(entry.tokenCount),
  }));
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function integerOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** Token counts must be non-negative integers; anything else counts as missing (0 later). */
function countOrUndefined(value: unknown): number | undefined {
  return integerOrUndefined(value);
}
