/**
 * Gemini `GenerateContentResponse` -> OpenAI choices + token counts (gemini-mapping.md §6). Text parts
 * become `content` (null when there is none), `thought` parts `reasoning_content` (never `content`),
 * function calls `tool_calls` with generated ids that carry the thought signature. Empty shapes Gemini
 * really sends are tolerated: no candidates (prompt blocked), `content:{}`, a content without parts.
 */
import type {
  AssistantResponseMessage,
  Choice,
  ResponseToolCall,
  TokenCounts,
} from '../../openai/response.ts';
import { convertUsage } from './convert-usage.ts';
import type { GeminiCandidate, GeminiPart, GeminiResponse } from './gemini-types.ts';
import { mapFinishReason } from './map-finish-reason.ts';
import { encodeToolCallId } from './tool-call-id.ts';

export interface ConvertedResponse {
  choices: Choice[];
  counts: TokenCounts;
  upstreamId?: string;
}

/** One functionCall part -> an OpenAI tool call whose id carries the part's thought signature. */
export function toToolCall(
  part: GeminiPart & { functionCall: NonNullable<GeminiPart['functionCall']> },
): ResponseToolCall {
  return {
    id: encodeToolCallId(part.thoughtSignature),
    type: 'function',
    function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
  };
}

export function hasFunctionCall(
  part: GeminiPart,
): part is GeminiPart & { functionCall: NonNullable<GeminiPart['functionCall']> } {
  return part.functionCall !== undefined;
}

function convertCandidate(candidate: GeminiCandidate, position: number): Choice {
  const parts = candidate.content?.parts ?? [];
  let text = '';
  let hasText = false;
  let reasoning = '';
  const toolCalls: ResponseToolCall[] = [];
  for (const part of parts) {
    if (hasFunctionCall(part)) toolCalls.push(toToolCall(part));
    else if (part.text !== undefined && part.thought === true) reasoning += part.text;
    else if (part.text !== undefined) {
      text += part.text;
      hasText = hasText || part.text !== '';
    }
  }
  const message: AssistantResponseMessage = { role: 'assistant', content: hasText ? text : null };
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    index: candidate.index ?? position,
    message,
    finish_reason: mapFinishReason(candidate.finishReason, toolCalls.length > 0),
  };
}

export function convertResponse(response: GeminiResponse): ConvertedResponse {
  const candidates = response.candidates ?? [];
  let choices: Choice[];
  if (candidates.length === 0) {
    // A blocked prompt has no candidates, only promptFeedback.blockReason (gemini-mapping.md §6.2).
    const blocked = response.promptFeedback?.blockReason !== undefined;
    choices = [
      {
        index: 0,
        message: { role: 'assistant', content: null },
        finish_reason: blocked ? 'content_filter' : 'stop',
      },
    ];
  } else {
    choices = candidates.map(convertCandidate).sort((left, right) => left.index - right.index);
  }
  const converted: ConvertedResponse = { choices, counts: convertUsage(response.usageMetadata) };
  if (response.responseId !== undefined) converted.upstreamId = response.responseId;
  return converted;
}
