/**
 * Gemini `logprobsResult` -> OpenAI `choices[].logprobs` (gemini-mapping.md §5.4). `chosenCandidates[i]`
 * is the token generated at step i with its log probability; `topCandidates[i].candidates` are the most
 * likely tokens at that step (present when `logprobs` > 0 was asked). `bytes` are the token's UTF-8
 * bytes, as OpenAI reports them.
 */
import type { ChoiceLogprobs, TokenLogprob } from '../../openai/response.ts';
import type { GeminiLogprobCandidate, GeminiLogprobsResult } from './gemini-types.ts';

function entry(candidate: GeminiLogprobCandidate): { token: string; logprob: number; bytes: number[] } {
  const token = candidate.token ?? '';
  return { token, logprob: candidate.logProbability ?? 0, bytes: [...Buffer.from(token, 'utf8')] };
}

export function convertLogprobs(result: GeminiLogprobsResult | undefined): ChoiceLogprobs | undefined {
  if (result === undefined) return undefined;
  const chosen = result.chosenCandidates ?? [];
  const content: TokenLogprob[] = chosen.map((candidate, step) => ({
    ...entry(candidate),
    top_logprobs: (result.topCandidates?.[step]?.candidates ?? []).map(entry),
  }));
  return { content, refusal: null };
}
