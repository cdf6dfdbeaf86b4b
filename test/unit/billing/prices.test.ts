import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { assertPricing, costMicros, priceVersion } from '../../../src/billing/prices.ts';
import { BUILTIN_CATALOGUE } from '../../../src/config/catalogue.ts';
import type { Pricing } from '../../../src/config/catalogue.ts';

function pricing(model: string): Pricing {
  const entry = BUILTIN_CATALOGUE[model];
  assert.ok(entry, model);
  return entry.pricing;
}

const counts = (prompt: number, cachedPrompt: number, completion: number, reasoning = 0) => ({
  prompt,
  cachedPrompt,
  completion,
  reasoning,
});

describe('costMicros', () => {
  it('charges uncached input, cached input and output at their prices, exactly', () => {
    // gemini-3.5-flash: 1.5 / 0.15 / 9 USD per 1M = micro-USD per token.
    // 800 × 1.5 + 200 × 0.15 + 500 × 9 = 1200 + 30 + 4500
    assert.equal(costMicros(counts(1000, 200, 500, 300), pricing('gemini-3.5-flash')), 5730);
    // gemini-3.1-pro: 2 / 0.2 / 12 up to 200k prompt tokens; a 1M-token prompt is billed at the
    // long-prompt rate of 4 (pricing-golden.test.ts has the tier cases).
    assert.equal(costMicros(counts(200_000, 0, 0), pricing('gemini-3.1-pro')), 400_000);
    assert.equal(costMicros(counts(1_000_000, 0, 0), pricing('gemini-3.1-pro')), 4_000_000);
    assert.equal(costMicros(counts(0, 0, 1_000_000), pricing('gemini-3.1-pro')), 12_000_000);
    assert.equal(costMicros(counts(10, 10, 0), pricing('gemini-3.1-pro')), 2);
  });

  it('gives the exact integer for every catalogue model on a round workload', () => {
    for (const [model, entry] of Object.entries(BUILTIN_CATALOGUE)) {
      const { input, cached_input: cached, output } = entry.pricing;
      // 10,000 tokens of each kind makes every 4-decimal price an integer number of micro-USD.
      const expected = Math.round(10_000 * input + 10_000 * cached + 10_000 * output);
      assert.equal(costMicros(counts(20_000, 10_000, 10_000), entry.pricing), expected, model);
    }
  });

  it('does not drift where floating point would (100 × 0.07 is 7, not 7.000000000000001 rounded up)', () => {
    assert.equal(100 * 0.07 > 7, true); // the trap
    assert.equal(costMicros(counts(100, 0, 0), { input: 0.07, cached_input: 0, output: 0 }), 7);
    assert.equal(costMicros(counts(0, 0, 50), { input: 0, cached_input: 0, output: 1.1 }), 55);
    assert.equal(costMicros(counts(30, 0, 0), pricing('gemini-2.5-flash-lite')), 3);
    assert.equal(costMicros(counts(0, 0, 3), { input: 0, cached_input: 0, output: 0.1 }), 1);
    assert.equal(costMicros(counts(7, 0, 0), { input: 0.3, cached_input: 0, output: 0 }), 3); // 2.1 -> 3
  });

  it('rounds up once, at the end', () => {
    // gemini-2.5-pro: 1.25 / 0.125 / 10
    assert.equal(costMicros(counts(1, 0, 0), pricing('gemini-2.5-pro')), 2); // 1.25
    assert.equal(costMicros(counts(3, 1, 0), pricing('gemini-2.5-pro')), 3); // 2.5 + 0.125
    assert.equal(costMicros(counts(4, 0, 0), pricing('gemini-2.5-pro')), 5); // 5 exactly
    assert.equal(costMicros(counts(1, 1, 0), pricing('gemini-2.5-pro')), 1); // 0.125
    // Sums of fractions are rounded together, not each part: 2 × 0.125 + 1 × 0.75 = 1 exactly.
    assert.equal(costMicros(counts(3, 2, 0), { input: 0.75, cached_input: 0.125, output: 0 }), 1);
    assert.equal(costMicros(counts(0, 0, 0), pricing('gemini-2.5-pro')), 0);
  });

  it('bills reasoning as output (included in completion) and never less than the reasoning', () => {
    const prices = pricing('gemini-3-flash'); // 0.5 / 0.05 / 3
    assert.equal(costMicros(counts(0, 0, 100, 60), prices), 300);
    assert.equal(costMicros(counts(0, 0, 40, 60), prices), 180);
  });

  it('treats odd counts defensively: cached above prompt, negatives, NaN, fractions', () => {
    const prices = pricing('gemini-3-flash');
    assert.equal(costMicros(counts(100, 150, 0), prices), 5); // all 100 cached at 0.05
    assert.equal(costMicros(counts(-5, -1, -3, -2), prices), 0);
    assert.equal(costMicros(counts(Number.NaN, 0, Number.POSITIVE_INFINITY), prices), 0);
    assert.equal(costMicros(counts(1.2, 0, 0), prices), 1); // 2 tokens × 0.5
  });

  it('stays exact far beyond float-safe products', () => {
    const huge = 2 ** 40;
    assert.equal(
      costMicros(counts(huge, 0, 0), { input: 1.2345, cached_input: 0, output: 0 }),
      Math.ceil((huge / 10_000) * 12_345),
    );
  });

  it('refuses prices with more than 4 decimals or below zero', () => {
    assert.throws(
      () => costMicros(counts(1, 0, 0), { input: 0.00001, cached_input: 0, output: 0 }),
      RangeError,
    );
    assert.throws(() => assertPricing({ input: -1, cached_input: 0, output: 0 }), RangeError);
    assert.throws(() => assertPricing({ input: Number.NaN, cached_input: 0, output: 0 }), RangeError);
    assertPricing({ input: 0.0001, cached_input: 1234.5678, output: 0 });
  });
});

describe('priceVersion', () => {
  it('is stable for equal prices and differs when any price changes', () => {
    const base = pricing('gemini-3.5-flash');
    // Grounding is priced per 1,000 grounded requests, so it is part of the version.
    assert.equal(priceVersion(base), 'in1.5-cin0.15-out9-gnd14');
    assert.equal(priceVersion({ input: 1, cached_input: 0.5, output: 2 }), 'in1-cin0.5-out2');
    assert.equal(priceVersion({ ...base }), priceVersion(base));
    assert.notEqual(priceVersion({ ...base, output: 9.5 }), priceVersion(base));
    assert.notEqual(priceVersion({ ...base, cached_input: 0.2 }), priceVersion(base));
  });
});

describe('image, audio and grounding prices', () => {
  const image = { input: 0.3, cached_input: 0.03, output: 2.5, output_image: 30 };
  it('bills image tokens inside the completion at output_image, the rest at output', () => {
    // 1290 image tokens + 10 text tokens: 1290 × 30 + 10 × 2.5 = 38,725 micro-USD; prompt 100 × 0.3 = 30.
    const counts = { prompt: 100, cachedPrompt: 0, completion: 1300, reasoning: 0, completionImage: 1290 };
    assert.equal(costMicros(counts, image), 30 + 38_700 + 25);
    assert.equal(priceVersion(image), 'in0.3-cin0.03-out2.5-img30');
  });

  it('bills audio tokens at output_audio and never more special tokens than the completion', () => {
    const speech = { input: 0.5, cached_input: 0.5, output: 10, output_audio: 20 };
    const counts = { prompt: 0, cachedPrompt: 0, completion: 100, reasoning: 0, completionAudio: 500 };
    assert.equal(costMicros(counts, speech), 100 * 20);
  });

  it('bills each grounded request at grounding_per_1k / 1,000', () => {
    const grounded = { input: 1, cached_input: 1, output: 1, grounding_per_1k: 35 };
    const counts = { prompt: 0, cachedPrompt: 0, completion: 0, reasoning: 0, groundedRequests: 1 };
    assert.equal(costMicros(counts, grounded), 35_000); // $0.035
    assert.equal(costMicros({ ...counts, groundedRequests: 0 }, grounded), 0);
  });
});
