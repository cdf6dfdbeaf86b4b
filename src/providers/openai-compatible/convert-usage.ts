/**
 * OpenAI `usage` -> TokenCounts.
 *
 * Gemini's compatible endpoint omits `completion_tokens_details` and counts thinking tokens only in
 * `total_tokens` (35 + 12 != 109 in the recorded fixture, gemini-mapping.md §9). When no reasoning count
 * is reported and the total exceeds prompt + completion, the difference is taken as reasoning and added
 * to `completion`, because OpenAI defines `completion_tokens` to include reasoning and billing prices
 * reasoning as output.
 */
import type { Choice } from '../../openai/response.ts';
import { emptyTokenCounts, type TokenCounts } from '../../openai/response.ts';
import { countAt, isRecord, recordAt } from './json-shape.ts';

export function convertUsage(usage: unknown): TokenCounts | undefined {
  if (!isRecord(usage)) return undefined;
  const prompt = countAt(usage, 'prompt_tokens') ?? 0;
  let completion = countAt(usage, 'completion_tokens') ?? 0;
  const reportedTotal = countAt(usage, 'total_tokens');
  const promptDetails = recordAt(usage, 'prompt_tokens_details');
  const completionDetails = recordAt(usage, 'completion_tokens_details');

  let reasoning = countAt(completionDetails, 'reasoning_tokens');
  if (reasoning === undefined) {
    const hidden = reportedTotal !== undefined ? reportedTotal - prompt - completion : 0;
    reasoning = hidden > 0 ? hidden : 0;
    completion += reasoning;
  }

  const promptAudio = countAt(promptDetails, 'audio_tokens') ?? 0;
  const promptImage = countAt(promptDetails, 'image_tokens') ?? 0;
  const completionAudio = countAt(completionDetails, 'audio_tokens') ?? 0;
  return {
    prompt,
    cachedPrompt: Math.min(countAt(promptDetails, 'cached_tokens') ?? 0, prompt),
    promptText: countAt(promptDetails, 'text_tokens') ?? Math.max(0, prompt - promptAudio - promptImage),
    promptAudio,
    promptImage,
    completion,
    completionText:
      countAt(completionDetails, 'text_tokens') ?? Math.max(0, completion - reasoning - completionAudio),
    completionAudio,
    reasoning,
    total: Math.max(reportedTotal ?? 0, prompt + completion),
  };
}

/** Characters per token for the fallback estimate; a common rule of thumb for English text. */
const CHARS_PER_TOKEN = 4;

/**
 * When an upstream reports no usage (some llama.cpp / proxy builds), estimate the completion from the
 * generated text and tool arguments at ~4 characters a token. The prompt is left at 0: the pipeline
 * already holds a safe prompt bound and may refine the estimate (`usageEstimated` tells it to).
 */
export function estimateCompletionCounts(choices: readonly Choice[]): TokenCounts {
  let textCharacters = 0;
  let reasoningCharacters = 0;
  for (const choice of choices) {
    const message = choice.message;
    textCharacters += (message.content ?? '').length;
    reasoningCharacters += (message.reasoning_content ?? '').length;
    for (const call of message.tool_calls ?? []) {
      textCharacters += call.function.name.length + call.function.arguments.length;
    }
  }
  const text = Math.ceil(textCharacters / CHARS_PER_TOKEN);
  const reasoning = Math.ceil(reasoningCharacters / CHARS_PER_TOKEN);
  const completion = text + reasoning;
  return { ...emptyTokenCounts(), completion, completionText: text, reasoning, total: completion };
}
