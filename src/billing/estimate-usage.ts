/**
 * The one usage estimator (RELIABILITY API10: absent usage is never trusted). When an upstream reports
 * no usage — a stream cut short, a JSON answer without `usage` / `usageMetadata`, a report of zero
 * tokens for content that was delivered — Portico estimates at about four characters a token, rounded
 * up: the prompt from the request's text, the completion from what was actually delivered. Delivered
 * content is never billed as zero. The caller flags the ledger row `usage_estimated`.
 */
import { emptyTokenCounts, type Choice, type ChunkChoice, type TokenCounts } from '../openai/response.ts';
import type { ChatCompletionRequest } from '../openai/request.ts';

export const CHARS_PER_TOKEN = 4;
/** A media part's share of the prompt estimate (the hold bounds media separately and from above). */
const MEDIA_PART_CHARS = 256;
/** Role markup per message. */
const MESSAGE_CHARS = 4;

export function tokensFromChars(chars: number): number {
  return Math.ceil(Math.max(0, chars) / CHARS_PER_TOKEN);
}

/** The prompt's tokens, estimated from its text (not an upper bound: that is the hold's job). */
export function estimatePromptTokens(request: ChatCompletionRequest): number {
  let chars = 0;
  for (const message of request.messages) {
    const content = message.content;
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content)
        chars +=
          'text' in part ? part.text.length : 'refusal' in part ? part.refusal.length : MEDIA_PART_CHARS;
    }
    if (message.role === 'assistant' && message.tool_calls) {
      for (const call of message.tool_calls)
        chars += call.function.arguments.length + call.function.name.length;
    }
    chars += MESSAGE_CHARS;
  }
  if (request.tools) chars += JSON.stringify(request.tools).length;
  return tokensFromChars(chars);
}

/** What reached the client, counted as it passes (stream chunks or a JSON answer's choices). */
export class DeliveredTally {
  textChars = 0;
  reasoningChars = 0;
  /** When the first content was delivered (TTFT), or null. */
  firstAt: number | null = null;

  addChunk(choices: readonly ChunkChoice[], now: number): void {
    for (const choice of choices) {
      const delta = choice.delta;
      if (delta.content) this.textChars += delta.content.length;
      if (delta.reasoning_content) this.reasoningChars += delta.reasoning_content.length;
      for (const call of delta.tool_calls ?? [])
        this.textChars += call.function.arguments.length + (call.function.name?.length ?? 0);
    }
    if (this.firstAt === null) this.firstAt = now;
  }

  addChoices(choices: readonly Choice[]): void {
    for (const { message } of choices) {
      this.textChars += message.content?.length ?? 0;
      this.reasoningChars += message.reasoning_content?.length ?? 0;
      for (const call of message.tool_calls ?? [])
        this.textChars += call.function.name.length + call.function.arguments.length;
    }
  }

  get delivered(): boolean {
    return this.textChars + this.reasoningChars > 0;
  }
}

export interface UsageVerdict {
  counts: TokenCounts;
  estimated: boolean;
}

/**
 * The counts to bill: the upstream's report when it is usable, else the estimate. A report is unusable
 * when it is absent, or when it says zero output (or zero prompt) although content came back.
 */
export function billableUsage(
  reported: TokenCounts | undefined,
  request: ChatCompletionRequest,
  tally: DeliveredTally,
): UsageVerdict {
  if (reported && (!tally.delivered || (reported.completion > 0 && reported.prompt > 0))) {
    return { counts: reported, estimated: false };
  }
  const counts = emptyTokenCounts();
  const prompt = reported && reported.prompt > 0 ? reported.prompt : estimatePromptTokens(request);
  const text = tokensFromChars(tally.textChars);
  const reasoning = tokensFromChars(tally.reasoningChars);
  counts.prompt = prompt;
  counts.cachedPrompt = reported && reported.prompt > 0 ? reported.cachedPrompt : 0;
  counts.promptText = reported && reported.prompt > 0 ? reported.promptText : prompt;
  counts.completion = text + reasoning;
  counts.completionText = text;
  counts.reasoning = reasoning;
  counts.total = prompt + text + reasoning;
  return { counts, estimated: true };
}

/** The prompt alone, estimated: what an upstream may bill for a request it received but never answered. */
export function promptOnlyUsage(request: ChatCompletionRequest): TokenCounts {
  const counts = emptyTokenCounts();
  counts.prompt = counts.promptText = counts.total = estimatePromptTokens(request);
  return counts;
}
