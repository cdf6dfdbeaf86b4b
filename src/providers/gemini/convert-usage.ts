/**
 * Gemini `usageMetadata` -> `TokenCounts` (gemini-mapping.md §6.3; decision in
 * docs/decisions/022-gemini-usage.md). With P=promptTokenCount, C=candidatesTokenCount,
 * T=thoughtsTokenCount, K=cachedContentTokenCount, U=toolUsePromptTokenCount, TOT=totalTokenCount
 * (each 0 when missing):
 *
 * - prompt = P. It already includes the cached K, which is reported as `cachedPrompt`, never added.
 * - completion = C + T, because Gemini's C excludes thoughts while OpenAI's completion includes
 *   reasoning. Some older responses had C include T already (P + C == TOT while T > 0): then C alone.
 * - promptText/Image/Audio are the raw per-modality counts, cached tokens included, as OpenAI's
 *   `prompt_tokens_details.text_tokens` does. DOCUMENT counts as text, VIDEO as image (it is frames).
 *   Without `promptTokensDetails` the whole prompt counts as text.
 * - completionText = completion - reasoning - image - audio (visible text only).
 * - prompt also includes U, the results of built-in tools (search, URL context, code execution) fed back
 *   to the model: Google bills them as input, so they are billed and reported as prompt (text) tokens
 *   (docs/decisions/023-gemini-built-in-tools-and-output.md; this replaces 022's "prompt = P").
 * - total = TOT, or P + C + T + U when missing.
 */
import type { TokenCounts } from '../../openai/response.ts';
import type { GeminiModalityCount, GeminiUsageMetadata } from './gemini-types.ts';

interface ModalitySplit {
  text: number;
  image: number;
  audio: number;
}

function splitByModality(details: GeminiModalityCount[] | undefined): ModalitySplit | undefined {
  if (details === undefined) return undefined;
  const split: ModalitySplit = { text: 0, image: 0, audio: 0 };
  for (const entry of details) {
    const count = entry.tokenCount ?? 0;
    switch (entry.modality) {
      case 'IMAGE':
      case 'VIDEO':
        split.image += count;
        break;
      case 'AUDIO':
        split.audio += count;
        break;
      default:
        // TEXT, DOCUMENT, MODALITY_UNSPECIFIED and anything new: text is the safe default.
        split.text += count;
    }
  }
  return split;
}

export function convertUsage(usage: GeminiUsageMetadata | undefined): TokenCounts {
  const prompt = usage?.promptTokenCount ?? 0;
  const candidates = usage?.candidatesTokenCount ?? 0;
  const thoughts = usage?.thoughtsTokenCount ?? 0;
  const toolUse = usage?.toolUsePromptTokenCount ?? 0;
  const reportedTotal = usage?.totalTokenCount ?? 0;

  const candidatesIncludeThoughts =
    thoughts > 0 && reportedTotal > 0 && prompt + candidates === reportedTotal;
  const completion = candidatesIncludeThoughts ? candidates : candidates + thoughts;

  const promptSplit = splitByModality(usage?.promptTokensDetails) ?? { text: prompt, image: 0, audio: 0 };
  promptSplit.text += toolUse;
  const outputSplit = splitByModality(usage?.candidatesTokensDetails);
  const completionImage = outputSplit?.image ?? 0;
  const completionAudio = outputSplit?.audio ?? 0;

  const counts: TokenCounts = {
    prompt: prompt + toolUse,
    cachedPrompt: usage?.cachedContentTokenCount ?? 0,
    promptText: promptSplit.text,
    promptImage: promptSplit.image,
    promptAudio: promptSplit.audio,
    completion,
    completionText: Math.max(0, completion - thoughts - completionImage - completionAudio),
    completionAudio,
    reasoning: thoughts,
    total: reportedTotal > 0 ? reportedTotal : prompt + completion + toolUse,
  };
  // Generated images are billed at their own price (only image models report them).
  if (completionImage > 0) counts.completionImage = completionImage;
  return counts;
}
