/**
 * The hold: an upper bound of what one upstream attempt can cost, taken before the call.
 *
 * Prompt bound (`estimatePromptTokensUpperBound`): a token covers at least one UTF-8 byte of text, so the
 * byte length of every text the model sees (messages, names, tool calls, tool schemas, response format)
 * bounds its tokens, plus a fixed overhead per message for the role markup. Media are not text: each
 * image, audio, video or document part is bounded by its type and size (media-tokens.ts,
 * docs/media-holds.md). If an upstream ever reports more than the hold, settle charges the hold and
 * flags the row for review: the balance still never goes negative.
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
import { AUDIO_MIN_TOKENS, IMAGE_MIN_BOUND, imageUrlTokens, inlineMediaTokens } from './media-tokens.ts';

/** Fixed overhead for the request as a whole (start/end markup, system preamble). */
export const REQUEST_OVERHEAD_TOKENS = 16;
/** Role markup around each message. */
export const MESSAGE_OVERHEAD_TOKENS = 8;
/** The fixed allowance of a file named by id (an upstream file): at least one image's worth. */
export const FILE_MIN_TOKENS = IMAGE_MIN_BOUND;
export { AUDIO_MIN_TOKENS };

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
      return imageUrlTokens(part.image_url.url);
    case 'input_audio':
      return inlineMediaTokens(`audio/${part.input_audio.format}`, part.input_audio.data);
    case 'file':
      return fileTokens(part.file) + utf8Bytes(part.file.filename);
  }
}

/** `file_data` is a data URL or bare base64 (a PDF unless the data URL says otherwise). */
function fileTokens(file: { file_data?: string; file_id?: string; filename?: string }): number {
  const data = file.file_data;
  if (data === undefined) return FILE_MIN_TOKENS;
  if (data.startsWith('data:')) return imageUrlTokens(data);
  const type = /\.(png|jpe?g|gif|webp)$/i.test(file.filename ?? '') ? 'image/png' : 'application/pdf';
  return inlineMediaTokens(type, data);
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
  /** Grounded requests the attempt may be billed (search / maps grounding asked for): 0 or 1. */
  groundedRequests?: number;
}

export type HoldPlan =
  { maxOutputTokens: number; holdMicros: number } | { insufficient: true; requiredMicros: number };

function positiveInteger(value: number, fallback: number): number {
  return Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}

export function planHold(input: HoldPlanInput): HoldPlan {
  let prompt = Number.isFinite(input.promptUpperBound) ? Math.max(0, Math.ceil(input.promptUpperBound)) : 0;
  if (input.contextWindow !== undefined && input.contextWindow > 0)
    prompt = Math.min(prompt, input.contextWindow);
  // The highest price tier the prompt bound reaches, audio input and image or speech output at their
  // dearest prices: the hold can only be above the bill, never below.
  const pricing = holdPricing(input.pricing, prompt);
  const modelMax = positiveInteger(input.modelMaxOutput, 1);
  const balance = Math.max(0, Math.floor(input.balanceMicros));
  const choices = positiveInteger(input.choices ?? 1, 1);
  const groundedRequests = input.groundedRequests ?? 0;
  const holdFor = (outputTokens: number) =>
    costMicros(
      { prompt, cachedPrompt: 0, completion: outputTokens * choices, reasoning: 0, groundedRequests },
      pricing,
    );

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
  const budget =
    BigInt(balance) * BigInt(PRICE_SCALE) -
    BigInt(prompt) * prices.input -
    BigInt(groundedRequests) * prices.grounding * 1000n;
  let maxOutputTokens = modelMax;
  if (prices.output > 0n) {
    const affordable = budget < 0n ? 0n : budget / (prices.output * BigInt(choices));
    if (affordable < BigInt(modelMax)) maxOutputTokens = Number(affordable);
  } else if (budget < 0n) maxOutputTokens = 0;
  if (maxOutputTokens < 1) return { insufficient: true, requiredMicros: holdFor(1) };
  return { maxOutputTokens, holdMicros: holdFor(maxOutputTokens) };
}
