/**
 * Usage Portico estimates when an upstream reported none (a stream that ended without a usage chunk):
 * about four characters a token, rounded up, so delivered content is never billed as zero. The caller
 * marks the ledger row `usage_estimated`.
 */
import { emptyTokenCounts, type TokenCounts } from '../openai/response.ts';

export const CHARS_PER_TOKEN = 4;

export function tokensFromText(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * `promptTokens` is the best prompt figure the caller has (the upper bound used for the hold, or a
 * smaller estimate); the completion is estimated from the text actually delivered to the client.
 */
export function estimateCountsFromText(
  promptTokens: number,
  deliveredText: string,
  reasoningText = '',
): TokenCounts {
  const counts = emptyTokenCounts();
  const prompt = Number.isFinite(promptTokens) ? Math.max(0, Math.ceil(promptTokens)) : 0;
  const text = tokensFromText(deliveredText);
  const reasoning = tokensFromText(reasoningText);
  counts.prompt = prompt;
  counts.promptText = prompt;
  counts.completionText = text;
  counts.reasoning = reasoning;
  counts.completion = text + reasoning;
  counts.total = prompt + text + reasoning;
  return counts;
}
