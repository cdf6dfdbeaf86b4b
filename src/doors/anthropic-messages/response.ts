/**
 * Canonical answers -> Anthropic's `message` object: content blocks in the order Anthropic emits them
 * (thinking, text, tool_use), the stop reason, and usage in Anthropic's terms.
 */
import type { Choice, FinishReason, TokenCounts } from '../../openai/response.ts';
import type { RequestContext } from '../../pipeline/context.ts';
import type { Completed } from '../../pipeline/exchange/types.ts';
import { thinkingSignatureFor } from './signature.ts';

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

export type ContentBlock =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown };

export interface AnthropicUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
  output_tokens_details: { thinking_tokens: number };
}

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ContentBlock[];
  stop_reason: StopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

export function messageId(context: RequestContext): string {
  return `msg_${context.requestId.slice(4)}`;
}

/**
 * The canonical finish reason -> Anthropic's. Gemini does not say whether a stop sequence ended the
 * answer (both are `STOP`), so `stop_sequence` is never claimed: the answer reads `end_turn`.
 */
export function stopReason(finish: FinishReason | null): StopReason {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    case 'stop':
    case null:
      return 'end_turn';
    default: {
      const unhandled: never = finish;
      return unhandled;
    }
  }
}

/**
 * Anthropic's `input_tokens` counts the prompt tokens not read from a cache; cache reads are
 * `cache_read_input_tokens`. Output includes thinking, as Anthropic bills it. Portico writes no cache
 * entries (Gemini caches implicitly), so `cache_creation_input_tokens` is 0.
 */
export function anthropicUsage(counts: TokenCounts): AnthropicUsage {
  return {
    input_tokens: Math.max(0, counts.prompt - counts.cachedPrompt),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: counts.cachedPrompt,
    output_tokens: counts.completion,
    output_tokens_details: { thinking_tokens: counts.reasoning },
  };
}

/** A tool call's arguments as the `input` object; arguments that are not a JSON object become `{}`. */
export function toolInput(argumentsText: string): unknown {
  try {
    const parsed: unknown = JSON.parse(argumentsText === '' ? '{}' : argumentsText);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

export function contentBlocks(choice: Choice | undefined, omitThinking: boolean): ContentBlock[] {
  if (!choice) return [];
  const { message } = choice;
  const blocks: ContentBlock[] = [];
  const calls = message.tool_calls ?? [];
  if (message.reasoning_content) {
    blocks.push({
      type: 'thinking',
      thinking: omitThinking ? '' : message.reasoning_content,
      signature: thinkingSignatureFor(calls[0]?.id),
    });
  }
  if (message.content) blocks.push({ type: 'text', text: message.content });
  for (const call of calls) {
    blocks.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: toolInput(call.function.arguments),
    });
  }
  return blocks;
}

export function encodeMessage(context: RequestContext, completed: Completed, omitThinking: boolean): string {
  const choice = completed.choices[0];
  const body: AnthropicMessage = {
    id: messageId(context),
    type: 'message',
    role: 'assistant',
    model: completed.served.responseModel,
    content: contentBlocks(choice, omitThinking),
    stop_reason: stopReason(choice?.finish_reason ?? null),
    stop_sequence: null,
    usage: anthropicUsage(completed.counts),
  };
  return JSON.stringify(body);
}
