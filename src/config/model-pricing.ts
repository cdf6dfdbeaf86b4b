/**
 * A model's prices over time. `pricing` in the config is one price, or a list of prices each with an
 * `effective_from` time: the price in effect for a request is the last one that has started (before the
 * first date, the first). Every ledger row stores the version it was charged at, so a price change never
 * reprices a past row, and a change can be scheduled ahead without a restart.
 */
import { assertPricing } from '../billing/prices.ts';
import type { Pricing } from './catalogue.ts';
import { ConfigError } from './env-refs.ts';

export type ConfiguredPricing = Omit<Pricing, 'cached_input'> & {
  cached_input?: number;
  effective_from?: string;
};

export interface ScheduledPrice {
  /** As configured (ISO 8601), or null for "since always". */
  readonly effectiveFrom: string | null;
  readonly effectiveFromMs: number;
  readonly pricing: Readonly<Required<Pricing>>;
}

function complete(pricing: Omit<ConfiguredPricing, 'effective_from'>): Readonly<Required<Pricing>> {
  return Object.freeze({
    input: pricing.input,
    cached_input: pricing.cached_input ?? pricing.input,
    output: pricing.output,
    output_image: pricing.output_image ?? pricing.output,
    output_audio: pricing.output_audio ?? pricing.output,
    grounding_per_1k: pricing.grounding_per_1k ?? 0,
    input_audio: pricing.input_audio ?? pricing.input,
    tiers: Object.freeze((pricing.tiers ?? []).map((tier) => Object.freeze({ ...tier }))),
  });
}

export function priceSchedule(
  model: string,
  configured: ConfiguredPricing | readonly ConfiguredPricing[],
): readonly ScheduledPrice[] {
  const entries = Array.isArray(configured) ? configured : [configured as ConfiguredPricing];
  if (entries.length === 0) throw new ConfigError(`config models.${model}.pricing: needs at least one price`);
  const schedule = entries.map((entry, index): ScheduledPrice => {
    const where = Array.isArray(configured) ? `models.${model}.pricing[${index}]` : `models.${model}.pricing`;
    const { effective_from: from, ...pricing } = entry;
    const ms = from === undefined ? Number.NEGATIVE_INFINITY : Date.parse(from);
    if (Number.isNaN(ms)) throw new ConfigError(`config ${where}.effective_from: "${from}" is not a date`);
    try {
      assertPricing({ ...pricing, cached_input: pricing.cached_input ?? pricing.input });
    } catch (error) {
      throw new ConfigError(`config ${where}: ${(error as Error).message}`);
    }
    return Object.freeze({ effectiveFrom: from ?? null, effectiveFromMs: ms, pricing: complete(pricing) });
  });
  schedule.sort((a, b) => a.effectiveFromMs - b.effectiveFromMs);
  for (let index = 1; index < schedule.length; index++) {
    if (schedule[index]?.effectiveFromMs === schedule[index - 1]?.effectiveFromMs)
      throw new ConfigError(`config models.${model}.pricing: two prices start at the same time`);
  }
  return Object.freeze(schedule);
}

/** The price in effect at `now` (ms): the last that has started; before the first date, the first. */
export function priceAt(schedule: readonly ScheduledPrice[], now: number): Readonly<Required<Pricing>> {
  let current = schedule[0] as ScheduledPrice;
  for (const entry of schedule) if (entry.effectiveFromMs <= now) current = entry;
  return current.pricing;
}
