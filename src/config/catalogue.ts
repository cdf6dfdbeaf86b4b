/**
 * The built-in catalogue of current Gemini models: context size, maximum output and list prices (USD per
 * 1M tokens, standard tier; the Pro models' long-prompt rates above 200k tokens as `tiers`; audio input
 * where it is dearer than text; grounding per 1,000 grounded requests). Any entry
 * can be overridden in `portico.yaml`. Capabilities beyond text (`output`, built-in tools, logprobs) are
 * guessed from the model name when an entry does not state them (model-capabilities.ts).
 */
import type { ModelTraits } from '../providers/provider.ts';

export interface Pricing {
  /** USD per 1M input tokens. */
  input: number;
  /** USD per 1M cached input tokens. */
  cached_input: number;
  /** USD per 1M output tokens (reasoning tokens are output). */
  output: number;
  /** USD per 1M generated image tokens; default: `output`. */
  output_image?: number;
  /** USD per 1M generated audio tokens; default: `output`. */
  output_audio?: number;
  /** USD per 1,000 grounded requests (Google Search / Maps grounding); default 0. */
  grounding_per_1k?: number;
  /** USD per 1M audio input tokens (uncached); default: `input`. */
  input_audio?: number;
  /**
   * Long-prompt rates: when a request's prompt has more than `above_prompt_tokens` tokens, all of its
   * tokens (input, cached, output) are billed at the highest such tier's prices (Gemini Pro above 200k).
   */
  tiers?: readonly PriceTier[];
}

export interface PriceTier {
  readonly above_prompt_tokens: number;
  readonly input: number;
  /** Default: the tier's input price (never less than what the tier charges for a fresh token). */
  readonly cached_input?: number;
  readonly output: number;
  /** Default: the dearer of the tier's input price and the base audio price. */
  readonly input_audio?: number;
}

export interface CatalogueModel {
  readonly contextWindow: number;
  readonly maxOutputTokens: number;
  readonly pricing: Pricing;
  readonly traits: ModelTraits;
  readonly fallbacks?: readonly string[];
}

const GEMINI_3_FLASH_LEVELS = ['minimal', 'low', 'medium', 'high'] as const;

export const BUILTIN_CATALOGUE: Readonly<Record<string, CatalogueModel>> = Object.freeze({
  'gemini-3.5-flash': {
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    pricing: { input: 1.5, cached_input: 0.15, output: 9.0, grounding_per_1k: 14 },
    traits: { thinking: 'level', thinkingLevels: GEMINI_3_FLASH_LEVELS },
    fallbacks: ['gemini-3-flash'],
  },
  'gemini-3-flash': {
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    pricing: { input: 0.5, cached_input: 0.05, output: 3.0, grounding_per_1k: 14, input_audio: 1.0 },
    traits: { thinking: 'level', thinkingLevels: GEMINI_3_FLASH_LEVELS },
  },
  'gemini-3.1-pro': {
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    pricing: {
      input: 2.0,
      cached_input: 0.2,
      output: 12.0,
      grounding_per_1k: 14,
      // Prompts above 200k tokens: every token of the request at the higher rate.
      tiers: [{ above_prompt_tokens: 200_000, input: 4.0, cached_input: 0.4, output: 18.0 }],
    },
    traits: { thinking: 'level', thinkingLevels: ['low', 'medium', 'high'] },
  },
  'gemini-2.5-flash': {
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    pricing: { input: 0.3, cached_input: 0.03, output: 2.5, grounding_per_1k: 35, input_audio: 1.0 },
    traits: { thinking: 'budget', minThinkingBudget: 0, logprobs: true },
  },
  'gemini-2.5-flash-lite': {
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    pricing: { input: 0.1, cached_input: 0.01, output: 0.4, grounding_per_1k: 35, input_audio: 0.3 },
    // Flash-Lite's thinking budget range is 512-24576 (0 turns thinking off).
    traits: { thinking: 'budget', minThinkingBudget: 0, minActiveThinkingBudget: 512, logprobs: true },
  },
  'gemini-2.5-pro': {
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    pricing: {
      input: 1.25,
      cached_input: 0.125,
      output: 10.0,
      grounding_per_1k: 35,
      tiers: [{ above_prompt_tokens: 200_000, input: 2.5, cached_input: 0.25, output: 15.0 }],
    },
    traits: { thinking: 'budget', minThinkingBudget: 128, minActiveThinkingBudget: 128 },
  },
  // Image generation ("Nano Banana"): text and image out, images at their own price.
  'gemini-2.5-flash-image': {
    contextWindow: 32_768,
    maxOutputTokens: 32_768,
    pricing: { input: 0.3, cached_input: 0.03, output: 2.5, output_image: 30.0 },
    traits: { thinking: 'none', output: ['text', 'image'], builtinTools: [], logprobs: false },
  },
  // Embeddings (ADR 085): input tokens only, $0.15 per 1M (ai.google.dev/gemini-api/docs/pricing);
  // 2,048 input tokens per text; 3,072 dimensions by default (128 to 3,072 with outputDimensionality).
  'gemini-embedding-001': {
    contextWindow: 2_048,
    maxOutputTokens: 1,
    pricing: { input: 0.15, cached_input: 0.15, output: 0 },
    traits: { thinking: 'none', embedding: true, builtinTools: [], logprobs: false },
  },
  // Text to speech: audio out only.
  'gemini-2.5-flash-preview-tts': {
    contextWindow: 8_192,
    maxOutputTokens: 16_384,
    pricing: { input: 0.5, cached_input: 0.5, output: 10.0, output_audio: 10.0 },
    traits: { thinking: 'none', output: ['audio'], builtinTools: [], logprobs: false },
  },
});
