/**
 * Anthropic Messages answers -> canonical choices and token counts. Usage rules (Anthropic's
 * `usage`): `input_tokens` counts only the uncached prompt after the last cache breakpoint, so the
 * prompt is input + cache_read_input_tokens + cache_creation_input_tokens; cached = cache reads;
 * `output_tokens` includes thinking (billed as output; Anthropic does not split it out).
 */
import { emptyTokenCounts, type Choice, type FinishReason, type TokenCounts } from '../../openai/response.ts';
import { UpstreamError } from '../shared/upstream-error.ts';

export interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

const count = (value: unknown): number => (typeof value === 'number' && value > 0 ? Math.floor(value) : 0);

/** `input`/`output` as reported so far; a stream reports input at the start and output at the end. */
export function convertUsage(usage: AnthropicUsage): TokenCounts {
  const counts = emptyTokenCounts();
  const cached = count(usage.cache_read_input_tokens);
  const prompt = count(usage.input_tokens) + cached + count(usage.cache_creation_input_tokens);
  const completion = count(usage.output_tokens);
  counts.prompt = prompt;
  counts.cachedPrompt = cached;
  counts.promptText = prompt;
  counts.completion = completion;
  counts.completionText = completion;
  counts.total = prompt + completion;
  return counts;
}

/** Anthropic stop reasons onto OpenAI's (the native one is kept on the choice). */
export function mapStopReason(reason: unknown): FinishReason | null {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    case null:
    case undefined:
      return null;
    default:
      return 'stop';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function protocol(message: string): UpstreamError {
  return new UpstreamError({ kind: 'protocol', code: 'upstream_failed', message: `anthropic: ${message}` });
}

export function parseAnthropicJson(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UpstreamError({
      kind: 'protocol',
      code: 'upstream_failed',
      message: 'anthropic: body is not JSON',
      cause: error,
    });
  }
  if (!isRecord(parsed) || parsed.type !== 'message' || !Array.isArray(parsed.content))
    throw protocol('the answer is not a message');
  return parsed;
}

export function convertMessage(message: Record<string, unknown>): {
  choices: Choice[];
  counts: TokenCounts;
  usageEstimated: boolean;
  upstreamId?: string;
} {
  let text = '';
  let reasoning = '';
  const toolCalls: NonNullable<Choice['message']['tool_calls']> = [];
  for (const block of message.content as unknown[]) {
    if (!isRecord(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'thinking' && typeof block.thinking === 'string') reasoning += block.thinking;
    else if (block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const choice: Choice = {
    index: 0,
    message: {
      role: 'assistant',
      content: text === '' && toolCalls.length > 0 ? null : text,
      ...(reasoning ? { reasoning_content: reasoning } : {}),
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    },
    finish_reason: mapStopReason(message.stop_reason) ?? 'stop',
    ...(typeof message.stop_reason === 'string' ? { native_finish_reason: message.stop_reason } : {}),
  };
  const usage = isRecord(message.usage) ? (message.usage as AnthropicUsage) : undefined;
  return {
    choices: [choice],
    counts: usage ? convertUsage(usage) : emptyTokenCounts(),
    usageEstimated: usage === undefined,
    ...(typeof message.id === 'string' ? { upstreamId: message.id } : {}),
  };
}
