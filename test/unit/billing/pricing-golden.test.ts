/**
 * Pricing that matches the bill: golden costs in micro-USD, worked out by hand from the published
 * rates (USD per 1M tokens = micro-USD per token). Long-prompt tiers (Gemini 2.5 Pro: 1.25/0.125/10 up
 * to 200k prompt tokens, 2.50/0.25/15 above), audio input at its own price (2.5 Flash: 0.30 text,
 * 1.00 audio), cached input, thinking billed as output, holds at the highest tier the prompt bound can
 * reach, and prices that change at their effective_from time without repricing past rows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_CATALOGUE } from '../../../src/config/catalogue.ts';
import { loadConfig } from '../../../src/config/load-config.ts';
import { priceAt, priceSchedule } from '../../../src/config/model-pricing.ts';
import { costMicros, planHold, priceVersion, tierPricing } from '../../../src/billing/index.ts';

const pro = BUILTIN_CATALOGUE['gemini-2.5-pro']!.pricing;
const flash = BUILTIN_CATALOGUE['gemini-2.5-flash']!.pricing;
const counts = (
  prompt: number,
  cachedPrompt: number,
  completion: number,
  reasoning = 0,
  promptAudio = 0,
) => ({
  prompt,
  cachedPrompt,
  completion,
  reasoning,
  promptAudio,
});

describe('golden costs', () => {
  const cases: Array<[string, ReturnType<typeof counts>, typeof pro, number]> = [
    // 100,000 × 1.25 + 2,000 × 10 (1,500 of them thinking) = 125,000 + 20,000
    ['2.5 Pro, 100k prompt, thinking as output', counts(100_000, 0, 2_000, 1_500), pro, 145_000],
    // Exactly 200k is still the base rate: 200,000 × 1.25 + 100 × 10
    ['2.5 Pro, exactly 200k', counts(200_000, 0, 100), pro, 251_000],
    // 200,001 passes the threshold: every token at the higher rate: 200,001 × 2.5 + 100 × 15 = 500,002.5 -> up
    ['2.5 Pro, 200,001 prompt', counts(200_001, 0, 100), pro, 501_503],
    // 250k prompt, 50k cached, 1k out: 200,000 × 2.5 + 50,000 × 0.25 + 1,000 × 15
    ['2.5 Pro, long prompt with cache', counts(250_000, 50_000, 1_000), pro, 527_500],
    // 10k prompt of which 6k audio, 500 out: 4,000 × 0.30 + 6,000 × 1.00 + 500 × 2.50
    ['2.5 Flash, audio input', counts(10_000, 0, 500, 0, 6_000), flash, 8_450],
    // Cached tokens bill at the cached price whatever their modality: 2,000 cached of 10,000, 6,000 audio
    // -> 2,000 × 0.03 + 6,000 × 1.00 + 2,000 × 0.30 + 500 × 2.50
    ['2.5 Flash, audio with cache', counts(10_000, 2_000, 500, 0, 6_000), flash, 60 + 6_000 + 600 + 1_250],
    // More reasoning reported than completion: billed for the reasoning (the larger): 1,000 × 0.3 + 800 × 2.5
    ['2.5 Flash, reasoning above completion', counts(1_000, 0, 300, 800), flash, 2_300],
  ];
  for (const [name, usage, pricing, expected] of cases) {
    it(name, () => assert.equal(costMicros(usage, pricing), expected));
  }

  it('the tier is chosen by the whole prompt, the highest one passed', () => {
    const threeTiers = {
      input: 1,
      cached_input: 0.5,
      output: 2,
      tiers: [
        { above_prompt_tokens: 100, input: 3, output: 4 },
        { above_prompt_tokens: 1_000, input: 5, cached_input: 1, output: 6 },
      ],
    };
    assert.equal(costMicros(counts(100, 0, 10), threeTiers), 100 + 20);
    assert.equal(costMicros(counts(101, 0, 10), threeTiers), 303 + 40);
    // A tier without cached_input bills cached tokens at its input price (never below a fresh token's).
    assert.equal(costMicros(counts(500, 100, 0), threeTiers), 400 * 3 + 100 * 3);
    assert.equal(costMicros(counts(1_001, 1, 1), threeTiers), 1_000 * 5 + 1 + 6);
    assert.equal(tierPricing(threeTiers, 5_000).input, 5);
  });

  it('price versions name every price that can change a cost', () => {
    assert.equal(priceVersion(pro), 'in1.25-cin0.125-out10-gnd35-gt200000:in2.5-cin0.25-out15');
    assert.equal(priceVersion(flash), 'in0.3-cin0.03-out2.5-gnd35-ain1');
    assert.equal(priceVersion({ input: 1, cached_input: 0.5, output: 2 }), 'in1-cin0.5-out2');
  });
});

describe('holds use the highest tier the request can reach', () => {
  it('a prompt bound above 200k holds at the long-prompt rates, below it at the base', () => {
    const long = planHold({
      promptUpperBound: 300_000,
      requestedMaxTokens: 1_000,
      modelMaxOutput: 65_536,
      pricing: pro,
      balanceMicros: 10_000_000,
    });
    assert.deepEqual(long, { maxOutputTokens: 1_000, holdMicros: 300_000 * 2.5 + 1_000 * 15 });
    const short = planHold({
      promptUpperBound: 150_000,
      requestedMaxTokens: 1_000,
      modelMaxOutput: 65_536,
      pricing: pro,
      balanceMicros: 10_000_000,
    });
    assert.deepEqual(short, { maxOutputTokens: 1_000, holdMicros: 150_000 * 1.25 + 1_000 * 10 });
    // The real bill never passes the hold: a 210k prompt bills 210,000 × 2.5 + 1,000 × 15 <= the long hold.
    assert.ok(costMicros(counts(210_000, 0, 1_000), pro) <= (long as { holdMicros: number }).holdMicros);
  });

  it('a prompt that may be audio holds at the audio price; the allowance is clamped at tier rates', () => {
    const audio = planHold({
      promptUpperBound: 10_000,
      requestedMaxTokens: 100,
      modelMaxOutput: 65_536,
      pricing: flash,
      balanceMicros: 1_000_000,
    });
    assert.deepEqual(audio, { maxOutputTokens: 100, holdMicros: 10_000 * 1 + 100 * 2.5 });
    // No explicit cap: the output the balance pays for after a 300k prompt at 2.50, at 15 per token.
    const clamped = planHold({
      promptUpperBound: 300_000,
      modelMaxOutput: 65_536,
      pricing: pro,
      balanceMicros: 900_000,
    });
    assert.deepEqual(clamped, { maxOutputTokens: 10_000, holdMicros: 750_000 + 150_000 });
  });
});

describe('effective-from prices', () => {
  const schedule = priceSchedule('m', [
    { input: 2, output: 8, effective_from: '2026-07-01T00:00:00Z' },
    { input: 1, output: 4 },
  ]);

  it('bills each request at the price in effect when it runs', () => {
    const before = priceAt(schedule, Date.parse('2026-06-30T23:59:59Z'));
    const after = priceAt(schedule, Date.parse('2026-07-01T00:00:00Z'));
    assert.equal(costMicros(counts(1_000, 0, 100), before), 1_000 + 400);
    assert.equal(costMicros(counts(1_000, 0, 100), after), 2_000 + 800);
    assert.notEqual(priceVersion(before), priceVersion(after));
  });

  it('a config with a schedule resolves the model price now; bad schedules fail fast', () => {
    const config = loadConfig({
      env: {},
      file: {
        providers: { g: { type: 'gemini', api_key: 'k' } },
        models: {
          m: {
            deployments: [{ provider: 'g', model: 'm' }],
            pricing: [
              { input: 1, output: 4 },
              { input: 9, output: 9, effective_from: '2999-01-01T00:00:00Z' },
            ],
          },
        },
      },
    });
    assert.equal(config.models.m?.pricing.input, 1);
    assert.equal(config.models.m?.pricingSchedule.length, 2);
    assert.throws(() => priceSchedule('m', [{ input: 1, output: 1, effective_from: 'soon' }]), /not a date/);
    assert.throws(
      () =>
        priceSchedule('m', [
          { input: 1, output: 1, tiers: [{ above_prompt_tokens: 10, input: 1.23456, output: 1 }] },
        ]),
      /4 decimals/,
    );
  });
});
