/**
 * Cost in integer micro-USD. Prices are USD per 1M tokens, so a price of 1 USD/1M is exactly 1 micro-USD
 * per token: cost = Σ tokens × price. Prices may carry up to 4 decimals; they are scaled by 10,000 to
 * integers and the sum is computed with BigInt, so no float ever touches an amount. The total is rounded
 * up once, at the end (a fraction of a micro-USD is charged as one).
 *
 * Which prices apply: a model may have long-prompt `tiers` (the highest tier whose threshold the prompt
 * passes prices every token of the request, as Gemini Pro bills prompts above 200k), and an audio input
 * price for the uncached audio part of the prompt. Reasoning (thinking) tokens are output.
 */
import type { PriceTier, Pricing } from '../config/catalogue.ts';
import type { TokenCounts } from '../openai/response.ts';

/** Price units per USD-per-1M-tokens: prices are exact to 4 decimals. */
export const PRICE_SCALE = 10_000;
const PRICE_SCALE_BIG = BigInt(PRICE_SCALE);

/**
 * The token counts billing needs; `TokenCounts` and the store's `UsageTokens` both fit. Generated image
 * and audio tokens are part of `completion` and billed at their own prices when the model has them;
 * grounded requests (Google Search / Maps) are billed per request.
 */
export type BillableCounts = Pick<TokenCounts, 'prompt' | 'cachedPrompt' | 'completion' | 'reasoning'> &
  Partial<Pick<TokenCounts, 'promptAudio' | 'completionImage' | 'completionAudio' | 'groundedRequests'>>;

export interface ScaledPricing {
  input: bigint;
  inputAudio: bigint;
  cachedInput: bigint;
  output: bigint;
  outputImage: bigint;
  outputAudio: bigint;
  /** Per 1,000 grounded requests. */
  grounding: bigint;
}

function scalePrice(name: string, usdPerMillion: number): bigint {
  const scaled = Math.round(usdPerMillion * PRICE_SCALE);
  if (
    !Number.isFinite(usdPerMillion) ||
    usdPerMillion < 0 ||
    Math.abs(scaled - usdPerMillion * PRICE_SCALE) > 1e-6
  ) {
    throw new RangeError(
      `Price ${name} must be a non-negative USD amount with at most 4 decimals, got ${usdPerMillion}`,
    );
  }
  return BigInt(scaled);
}

export function scalePricing(pricing: Pricing): ScaledPricing {
  return {
    input: scalePrice('input', pricing.input),
    inputAudio: scalePrice('input_audio', pricing.input_audio ?? pricing.input),
    cachedInput: scalePrice('cached_input', pricing.cached_input),
    output: scalePrice('output', pricing.output),
    outputImage: scalePrice('output_image', pricing.output_image ?? pricing.output),
    outputAudio: scalePrice('output_audio', pricing.output_audio ?? pricing.output),
    grounding: scalePrice('grounding_per_1k', pricing.grounding_per_1k ?? 0),
  };
}

/**
 * The prices that bill a request whose prompt has `promptTokens` tokens: the base prices, or those of
 * the highest tier whose threshold it passes (tier prices it does not state follow the base's rules).
 */
export function tierPricing(pricing: Pricing, promptTokens: number): Pricing {
  let chosen: PriceTier | undefined;
  for (const tier of pricing.tiers ?? []) {
    if (
      promptTokens > tier.above_prompt_tokens &&
      (!chosen || tier.above_prompt_tokens > chosen.above_prompt_tokens)
    )
      chosen = tier;
  }
  if (!chosen) return pricing;
  return {
    ...pricing,
    input: chosen.input,
    cached_input: chosen.cached_input ?? chosen.input,
    output: chosen.output,
    input_audio: chosen.input_audio ?? Math.max(chosen.input, pricing.input_audio ?? pricing.input),
    tiers: [],
  };
}

/**
 * The flat pricing a hold must assume for a prompt bounded by `promptUpperBound`: the highest tier that
 * bound can reach, every prompt token at the dearer of the text and audio prices, and every output token
 * at the dearest output price the model has.
 */
export function holdPricing(pricing: Pricing, promptUpperBound = 0): Pricing {
  const tiered = tierPricing(pricing, promptUpperBound);
  const output = Math.max(tiered.output, tiered.output_image ?? 0, tiered.output_audio ?? 0);
  const input = Math.max(tiered.input, tiered.input_audio ?? 0);
  if (output === pricing.output && input === pricing.input && tiered === pricing && !pricing.tiers?.length)
    return pricing;
  return { ...tiered, input, input_audio: input, output, tiers: [] };
}

/** Throws a RangeError for a price the ledger cannot represent exactly (config validation uses it). */
export function assertPricing(pricing: Pricing): void {
  scalePricing(pricing);
  let previous = -1;
  for (const tier of pricing.tiers ?? []) {
    if (!Number.isInteger(tier.above_prompt_tokens) || tier.above_prompt_tokens <= previous)
      throw new RangeError('Price tiers need whole above_prompt_tokens thresholds in increasing order');
    previous = tier.above_prompt_tokens;
    scalePricing(tierPricing(pricing, tier.above_prompt_tokens + 1));
  }
}

function tokens(value: number): bigint {
  return Number.isFinite(value) && value > 0 ? BigInt(Math.ceil(value)) : 0n;
}

/**
 * Micro-USD for the counts: uncached prompt at the input price, cached prompt at the cached price,
 * completion at the output price. `completion` already includes reasoning tokens; a provider reporting
 * more reasoning than completion is billed for the reasoning (the larger), never less. The image and
 * audio tokens inside the completion are billed at `output_image` / `output_audio` instead, and each
 * grounded request at `grounding_per_1k` / 1,000.
 */
export function costMicros(counts: BillableCounts, pricing: Pricing): number {
  const prices = scalePricing(tierPricing(pricing, counts.prompt));
  const prompt = tokens(counts.prompt);
  const cachedRaw = tokens(counts.cachedPrompt);
  const cached = cachedRaw < prompt ? cachedRaw : prompt;
  // Audio is billed at its own price; cached tokens (any modality) at the cached price.
  const audioRaw = tokens(counts.promptAudio ?? 0);
  const audioIn = audioRaw < prompt - cached ? audioRaw : prompt - cached;
  const completion = tokens(counts.completion);
  const reasoning = tokens(counts.reasoning);
  const output = completion > reasoning ? completion : reasoning;
  const image = tokens(counts.completionImage ?? 0);
  const audioOutRaw = tokens(counts.completionAudio ?? 0);
  const imageBilled = image < output ? image : output;
  const audio = audioOutRaw < output - imageBilled ? audioOutRaw : output - imageBilled;
  const grounded = tokens(counts.groundedRequests ?? 0);
  const scaled =
    (prompt - cached - audioIn) * prices.input +
    audioIn * prices.inputAudio +
    cached * prices.cachedInput +
    (output - imageBilled - audio) * prices.output +
    imageBilled * prices.outputImage +
    audio * prices.outputAudio +
    // Per 1,000 requests: USD/1k × 1,000,000 micro-USD/USD / 1,000 = 1,000 × the price, in micro-USD.
    grounded * prices.grounding * 1000n;
  return Number((scaled + PRICE_SCALE_BIG - 1n) / PRICE_SCALE_BIG);
}

/**
 * The price version stored on every ledger row: the price triple itself, readable and stable
 * (`in1.5-cin0.15-out9`), so any row's cost can be recomputed from the row alone.
 */
export function priceVersion(pricing: Pricing): string {
  let version = `in${pricing.input}-cin${pricing.cached_input}-out${pricing.output}`;
  // The extra prices appear only where they change a cost, so existing versions stay as they were.
  if (pricing.output_image !== undefined && pricing.output_image !== pricing.output)
    version += `-img${pricing.output_image}`;
  if (pricing.output_audio !== undefined && pricing.output_audio !== pricing.output)
    version += `-aud${pricing.output_audio}`;
  if (pricing.grounding_per_1k) version += `-gnd${pricing.grounding_per_1k}`;
  if (pricing.input_audio !== undefined && pricing.input_audio !== pricing.input)
    version += `-ain${pricing.input_audio}`;
  for (const tier of pricing.tiers ?? []) {
    version += `-gt${tier.above_prompt_tokens}:in${tier.input}-cin${tier.cached_input ?? tier.input}-out${tier.output}`;
    if (tier.input_audio !== undefined) version += `-ain${tier.input_audio}`;
  }
  return version;
}

export function microsToUsd(micros: number): number {
  return micros / 1_000_000;
}
