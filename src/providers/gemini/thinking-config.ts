/**
 * `reasoning_effort` and `google.thinking_config` -> Gemini `thinkingConfig` (gemini-mapping.md §5.6,
 * docs/decisions/020-gemini-request-mapping.md). Gemini 3 models take a `thinkingLevel`, Gemini 2.5
 * models a `thinkingBudget`; the model's traits say which, and sending both is a 400 upstream, so exactly
 * one knob is set. A plain function, because the mapping is not one-to-one.
 */
import type { ChatCompletionRequest, ReasoningEffort } from '../../openai/request.ts';
import type { ModelTraits } from '../provider.ts';
import { invalidRequestError } from './errors.ts';
import type { GeminiThinkingConfig } from './gemini-types.ts';

/** Google's own figures for its OpenAI-compatible endpoint (low/medium/high). */
const BUDGETS: Record<'minimal' | 'low' | 'medium' | 'high', number> = {
  minimal: 128,
  low: 1024,
  medium: 8192,
  high: 24576,
};
const LEVEL_ORDER = ['minimal', 'low', 'medium', 'high'];

/** Traits from the catalogue, or a guess from the model name for models Portico does not list. */
export function effectiveTraits(traits: ModelTraits, model: string): ModelTraits {
  if (traits.thinking !== undefined) return traits;
  if (/gemini-3/.test(model)) return { ...traits, thinking: 'level' };
  if (/gemini-2\.5-pro/.test(model))
    return { ...traits, thinking: 'budget', minThinkingBudget: 128, minActiveThinkingBudget: 128 };
  // Flash-Lite's budget range starts at 512 (0 turns thinking off); Flash's at 1.
  if (/gemini-2\.5-flash-lite/.test(model))
    return { ...traits, thinking: 'budget', minThinkingBudget: 0, minActiveThinkingBudget: 512 };
  if (/gemini-2\.5/.test(model)) return { ...traits, thinking: 'budget', minThinkingBudget: 0 };
  return traits;
}

/** The supported level closest to the request, rounding up (3 Pro has no `medium`: it gets `high`). */
function pickLevel(effort: ReasoningEffort, supported: readonly string[] | undefined): string {
  const levels = supported && supported.length > 0 ? supported : ['low', 'medium', 'high'];
  if (effort === 'none' || effort === 'minimal') return levels[0] as string;
  const wanted = LEVEL_ORDER.indexOf(effort);
  const atLeast = levels.find((level) => LEVEL_ORDER.indexOf(level) >= wanted);
  return atLeast ?? (levels[levels.length - 1] as string);
}

function pickBudget(
  effort: ReasoningEffort,
  traits: ModelTraits,
  maxOutputTokens: number | undefined,
): number {
  const minimum = traits.minThinkingBudget ?? 0;
  if (effort === 'none') return minimum;
  const active = Math.max(minimum, traits.minActiveThinkingBudget ?? 1);
  return clampBudget(BUDGETS[effort], active, maxOutputTokens);
}

function clampBudget(wanted: number, active: number, maxOutputTokens: number | undefined): number {
  let budget = Math.max(wanted, active);
  // maxOutputTokens includes thinking: leave at least half of it for the answer itself.
  if (maxOutputTokens !== undefined) budget = Math.min(budget, Math.floor(maxOutputTokens / 2));
  return Math.max(budget, active);
}

export function thinkingConfigForEffort(
  effort: ReasoningEffort | null | undefined,
  traits: ModelTraits,
  maxOutputTokens: number | undefined,
): GeminiThinkingConfig | undefined {
  if (effort === undefined || effort === null) return undefined;
  switch (traits.thinking) {
    case 'level':
      // Gemini 3 cannot stop thinking: "none" is the lowest level, without asking for thought text.
      return { includeThoughts: effort !== 'none', thinkingLevel: pickLevel(effort, traits.thinkingLevels) };
    case 'budget': {
      const budget = pickBudget(effort, traits, maxOutputTokens);
      return { includeThoughts: budget !== 0 && effort !== 'none', thinkingBudget: budget };
    }
    case 'none':
    case undefined:
      return undefined;
    default: {
      const unhandled: never = traits.thinking;
      return unhandled;
    }
  }
}

/** `google.thinking_config` (snake_case as Google documents it; camelCase accepted too). */
export function thinkingConfigFromExtras(value: unknown): GeminiThinkingConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const param = 'google.thinking_config';
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidRequestError('must be an object', param);
  const raw = value as Record<string, unknown>;
  const budget = raw.thinking_budget ?? raw.thinkingBudget;
  const level = raw.thinking_level ?? raw.thinkingLevel;
  const include = raw.include_thoughts ?? raw.includeThoughts;
  if (budget !== undefined && level !== undefined) {
    throw invalidRequestError('thinking_config takes thinking_budget or thinking_level, not both', param);
  }
  const config: GeminiThinkingConfig = {};
  if (budget !== undefined) {
    if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < -1) {
      throw invalidRequestError('thinking_budget must be an integer >= -1', param);
    }
    config.thinkingBudget = budget;
  }
  if (level !== undefined) {
    if (typeof level !== 'string' || !LEVEL_ORDER.includes(level.toLowerCase())) {
      throw invalidRequestError('thinking_level must be one of minimal, low, medium, high', param);
    }
    config.thinkingLevel = level.toLowerCase();
  }
  if (include !== undefined) {
    if (typeof include !== 'boolean') throw invalidRequestError('include_thoughts must be a boolean', param);
    config.includeThoughts = include;
  }
  return config;
}

/** Budget tokens -> the closest Gemini 3 level (Google's 1K / 8K / 24K figures as the boundaries). */
function levelForBudget(budget: number): ReasoningEffort {
  if (budget <= BUDGETS.low) return 'low';
  if (budget <= BUDGETS.medium) return 'medium';
  return 'high';
}

/**
 * Anthropic-style `thinking` (`{type: "enabled", budget_tokens}`, `{type: "disabled"}`,
 * `{type: "adaptive"}`) -> `thinkingConfig`: a budget on 2.5 models (clamped to the model's range), the
 * closest level on Gemini 3, the model's own dynamic thinking for `adaptive`.
 */
export function thinkingConfigForAnthropic(
  thinking: NonNullable<ChatCompletionRequest['thinking']>,
  traits: ModelTraits,
  maxOutputTokens: number | undefined,
): GeminiThinkingConfig | undefined {
  if (thinking.type === 'disabled') return thinkingConfigForEffort('none', traits, maxOutputTokens);
  if (traits.thinking === 'none' || traits.thinking === undefined) return undefined;
  if (thinking.type === 'adaptive' || thinking.budget_tokens === undefined) {
    return traits.thinking === 'budget'
      ? { includeThoughts: true, thinkingBudget: -1 }
      : { includeThoughts: true };
  }
  if (traits.thinking === 'level') {
    return {
      includeThoughts: true,
      thinkingLevel: pickLevel(levelForBudget(thinking.budget_tokens), traits.thinkingLevels),
    };
  }
  const active = Math.max(traits.minThinkingBudget ?? 0, traits.minActiveThinkingBudget ?? 1);
  return {
    includeThoughts: true,
    thinkingBudget: clampBudget(thinking.budget_tokens, active, maxOutputTokens),
  };
}
