/**
 * Usage Portico estimates when the upstream reported none (a stream cut short, an upstream that omits
 * usage): about four characters a token, never zero for content that was delivered. Estimated rows are
 * flagged on the ledger.
 */
import { emptyTokenCounts, type TokenCounts } from '../openai/response.ts';
import type { ChatCompletionRequest } from '../openai/request.ts';

const CHARS_PER_TOKEN = 4;

export function estimatePromptTokens(request: ChatCompletionRequest): number {
  let chars = 0;
  for (const message of request.messages) {
    const content = message.content;
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content)
        chars += 'text' in part ? part.text.length : 'refusal' in part ? part.refusal.length : 256;
    }
    if (message.role === 'assistant' && message.tool_calls) {
      for (const call of message.tool_calls)
        chars += call.function.arguments.length + call.function.name.length;
    }
    chars += 4;
  }
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

export function estimateCounts(
  promptTokens: number,
  completionChars: number,
  reasoningChars = 0,
): TokenCounts {
  const counts = emptyTokenCounts();
  const reasoning = Math.ceil(reasoningChars / CHARS_PER_TOKEN);
  const text = Math.ceil(completionChars / CHARS_PER_TOKEN);
  counts.prompt = promptTokens;
  counts.promptText = promptTokens;
  counts.completion = text + reasoning;
  counts.completionText = text;
  counts.reasoning = reasoning;
  counts.total = promptTokens + text + reasoning;
  return counts;
}
