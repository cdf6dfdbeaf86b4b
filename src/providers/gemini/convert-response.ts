/**
 * Gemini `GenerateContentResponse` -> OpenAI choices + token counts (gemini-mapping.md §6). The parts
 * become the message (convert-parts.ts); besides OpenAI's `finish_reason`, each choice keeps Gemini's own
 * reason and message (`native_finish_reason`, `finish_message`), so an agent can tell
 * MALFORMED_FUNCTION_CALL (retry) from STOP (done). Logprobs become `logprobs.content[]`, grounding
 * metadata `message.annotations` plus the raw `grounding_metadata`. Empty shapes Gemini really sends are
 * tolerated: no candidates (prompt blocked), `content:{}`, a content without parts.
 */
import type { AssistantResponseMessage, Choice, TokenCounts } from '../../openai/response.ts';
import { groundingAnnotations } from './convert-grounding.ts';
import { convertLogprobs } from './convert-logprobs.ts';
import { convertParts, type PartOptions } from './convert-parts.ts';
import { convertUsage } from './convert-usage.ts';
import type { GeminiCandidate, GeminiResponse } from './gemini-types.ts';
import { mapFinishReason } from './map-finish-reason.ts';

export { hasFunctionCall, toToolCall } from './convert-parts.ts';

export interface ConvertedResponse {
  choices: Choice[];
  counts: TokenCounts;
  upstreamId?: string;
}

export type ResponseOptions = PartOptions;

function convertCandidate(candidate: GeminiCandidate, position: number, options: ResponseOptions): Choice {
  const parts = convertParts(candidate.content?.parts ?? [], undefined, options);
  const message: AssistantResponseMessage = {
    role: 'assistant',
    content: parts.hasContent ? parts.content : null,
  };
  if (parts.reasoning !== '') message.reasoning_content = parts.reasoning;
  if (parts.toolCalls.length > 0) message.tool_calls = parts.toolCalls;
  if (parts.images.length > 0) message.images = parts.images;
  if (parts.audio !== undefined) message.audio = parts.audio;
  const choice: Choice = {
    index: candidate.index ?? position,
    message,
    finish_reason: mapFinishReason(candidate.finishReason, parts.toolCalls.length > 0),
  };
  if (candidate.groundingMetadata !== undefined) {
    message.annotations = groundingAnnotations(candidate.groundingMetadata, parts.spans);
    choice.grounding_metadata = candidate.groundingMetadata.raw;
  }
  const logprobs = convertLogprobs(candidate.logprobsResult);
  if (logprobs !== undefined) choice.logprobs = logprobs;
  if (candidate.finishReason !== undefined) choice.native_finish_reason = candidate.finishReason;
  if (candidate.finishMessage !== undefined) choice.finish_message = candidate.finishMessage;
  return choice;
}

export function convertResponse(response: GeminiResponse, options: ResponseOptions = {}): ConvertedResponse {
  const candidates = response.candidates ?? [];
  let choices: Choice[];
  if (candidates.length === 0) {
    // A blocked prompt has no candidates, only promptFeedback.blockReason (gemini-mapping.md §6.2).
    const blockReason = response.promptFeedback?.blockReason;
    const choice: Choice = {
      index: 0,
      message: { role: 'assistant', content: null },
      finish_reason: blockReason !== undefined ? 'content_filter' : 'stop',
    };
    if (blockReason !== undefined) choice.native_finish_reason = blockReason;
    const blockMessage = response.promptFeedback?.blockReasonMessage;
    if (blockMessage !== undefined) choice.finish_message = blockMessage;
    choices = [choice];
  } else {
    choices = candidates
      .map((candidate, position) => convertCandidate(candidate, position, options))
      .sort((left, right) => left.index - right.index);
  }
  const counts = convertUsage(response.usageMetadata);
  // Google bills a grounded prompt when search (or Maps) grounding ran; URL context alone is not one.
  if (candidates.some((candidate) => candidate.groundingMetadata?.billable === true))
    counts.groundedRequests = 1;
  const converted: ConvertedResponse = { choices, counts };
  if (response.responseId !== undefined) converted.upstreamId = response.responseId;
  return converted;
}
