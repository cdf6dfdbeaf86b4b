/**
 * The hold: an upper bound of what one upstream attempt can cost, taken before the call.
 *
 * Prompt bound (`estimatePromptTokensUpperBound`): a token covers at least one UTF-8 byte of text, so the
 * byte length of every text the model sees (messages, names, tool calls, tool schemas, response format)
 * bounds its tokens, plus a fixed overhead per message for the role markup. Media are not text: each
 * image, audio or file part adds a fixed bound (see the constants), documented in
 * docs/decisions/011-store-billing-holds.md. If an upstream ever reports more than the hold, settle
 * charges the hold and flags the row for review: the balance still never goes negative.
 *
 * Output allowance (`planHold`): an explicit `max_tokens` is clamped to the model maximum and must be
 * affordable in full, or the request is refused (402): an explicit cap is the client's choice, and
 * silently shrinking it would return truncated answers the client did not ask for. Without one, the
 * allowance is the model maximum clamped down to what the balance can pay after the prompt; the upstream
 * is sent that cap, so the real cost can never exceed the hold.
 */
import type { Pricing } from '../config/catalogue.ts';
import type { ChatCompletionRequest } from '../openai/request.ts';
import { PRICE_SCALE, costMicros, holdPricing, scalePricing } from './prices.ts';

/** Fixed overhead for the request as a whole (start/end markup, system preamble). */
export const REQUEST_OVERHEAD_TOKENS = 16;
/** Role markup around each message. */
export const MESSAGE_OVERHEAD_TOKENS = 8;
/** One image: Gemini 3 bills at most 1,120 tokens per image (high media resolution); OpenAI ~1,105. */
export const IMAGE_TOKENS_BOUND = 1_500;
/** Audio: Gemini bills 32 tokens a second; 1 token per 32 base64 characters covers bitrates down to 6 kbps. */
export const AUDIO_BASE64_CHARS_PER_TOKEN = 32;
export const AUDIO_MIN_TOKENS = 32;
/** Files (PDFs): a page is ~258 tokens; 1 token per 16 base64 characters, and at least one image's worth. */
export const FILE_BASE64_CHARS_PER_TOKEN = 16;
export const FILE_MIN_TOKENS = IMAGE_TOKENS_BOUND;

const encoder = new TextEncoder();

function utf8Bytes(text: string | null | undefined): number {
  if (!text) return 0;
  // Fast path: pure ASCII strings are one byte per UTF-16 unit; the encoder handles the rest exactly.
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(text) ? text.length : encoder.encode(text).length;
}

type ContentPart = Exclude<
  ChatCompletionRequest['messages'][number]['content'],
  string | null | undefined
>[number];

function partTokens(part: ContentPart): number {
  switch (part.type) {
    case 'text':
      return utf8Bytes(part.text);
    case 'refusal':
      return utf8Bytes(part.refusal);
    case 'image_url':
      return IMAGE_TOKENS_BOUND;
    case 'input_audio':
      return Math.max(
        AUDIO_MIN_TOKENS,
        Math.ceil(part.input_audio.data.length / AUDIO_BASE64_CHARS_PER_TOKEN),
      );
    case 'file':
      return (
        Math.max(
          FILE_MIN_TOKENS,
          Math.ceil((part.file.file_data?.length ?? 0) / FILE_BASE64_CHARS_PER_TOKEN),
        ) + utf8Bytes(part.file.filename)
      );
  }
}

export function estimatePromptTokensUpperBound(request: ChatCompletionRequest): number {
  let total = REQUEST_OVERHEAD_TOKENS;
  for (const message of request.messages) {
    total += MESSAGE_OVERHEAD_TOKENS;
    if ('name' in message) total += utf8Bytes(message.name);
    const content = message.content;
    if (typeof content === 'string') total += utf8Bytes(content);
    else if (Array.isArray(content)) for (const part of content) total += partTokens(part);
    if (message.role === 'assistant') {
      total += utf8Bytes(message.refusal) + utf8Bytes(message.reasoning_content);
      for (const call of message.tool_calls ?? []) {
        total += MESSAGE_OVERHEAD_TOKENS + utf8Bytes(call.id) + utf8Bytes(call.function.name);
        total += utf8Bytes(call.function.arguments);
      }
    } else if (message.role === 'tool') total += utf8Bytes(message.tool_call_id);
  }
  if (request.tools) total += utf8Bytes(JSON.stringify(request.tools));
  if (request.tool_choice !== undefined) total += utf8Bytes(JSON.stringify(request.tool_choice));
  if (request.response_format) total += utf8Bytes(JSON.stringify(request.response_format));
  return total;
}

export interface HoldPlanInput {
  promptUpperBound: number;
  /** The client's `max_completion_tokens` / `max_tokens`, if any. */
  requestedMaxTokens?: number | undefined;
  modelMaxOutput: number;
  pricing: Pricing;
  /** Spendable balance (after other open holds). */
  balanceMicros: number;
  /** When known, the prompt bound is capped to it: an upstream refuses (unbilled) a longer prompt. */
  contextWindow?: number;
  /** Completions asked for (`n`): each may use the whole output allowance, the prompt is billed once. */
  choices?: number;
}

export type HoldPlan =
  { maxOutputTokens: number; holdMicros: number } | { insufficient: true; requiredMicros: number };

function positiveInteger(value: number, fallback: number): number {
  return Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}

export function planHold(input: HoldPlanInput): HoldPlan {
  // Image or speech output may be dearer than text: the hold assumes the dearest output price.
  const pricing = holdPricing(input.pricing);
  let prompt = Number.isFinite(input.promptUpperBound) ? Math.max(0, Math.ceil(input.promptUpperBound)) : 0;
  if (input.contextWindow !== undefined && input.contextWindow > 0)
    prompt = Math.min(prompt, input.contextWindow);
  const modelMax = positiveInteger(input.modelMaxOutput, 1);
  const balance = Math.max(0, Math.floor(input.balanceMicros));
  const choices = positiveInteger(input.choices ?? 1, 1);
  const holdFor = (outputTokens: number) =>
    costMicros({ prompt, cachedPrompt: 0, completion: outputTokens * choices, reasoning: 0 }, pricing);

  if (input.requestedMaxTokens !== undefined) {
    const maxOutputTokens = Math.min(positiveInteger(input.requestedMaxTokens, 1), modelMax);
    const holdMicros = holdFor(maxOutputTokens);
    return holdMicros <= balance
      ? { maxOutputTokens, holdMicros }
      : { insufficient: true, requiredMicros: holdMicros };
  }

  // The largest allowance k <= modelMax with ceil((prompt*in + n*k*out) / SCALE) <= balance, i.e.
  // prompt*in + n*k*out <= balance*SCALE (balance is an integer), solved exactly in BigInt.
  const prices = scalePricing(pricing);
  const budget = BigInt(balance) * BigInt(PRICE_SCALE) - BigInt(prompt) * prices.input;
  let maxOutputTokens = modelMax;
  if (prices.output > 0n) {
    const affordable = budget < 0n ? 0n : budget / (prices.output * BigInt(choices));
    if (affordable < BigInt(modelMax)) maxOutputTokens = Number(affordable);
  } else if (budget < 0n) maxOutputTokens = 0;
  if (maxOutputTokens < 1) return { insufficient: true, requiredMicros: holdFor(1) };
  return { maxOutputTokens, holdMicros: holdFor(maxOutputTokens) };
}
