import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { estimateCountsFromText, tokensFromText } from '../../../src/billing/estimate-usage.ts';

describe('estimateCountsFromText', () => {
  it('rounds four characters a token up, so delivered text is never free', () => {
    assert.equal(tokensFromText(''), 0);
    assert.equal(tokensFromText('a'), 1);
    assert.equal(tokensFromText('abcd'), 1);
    assert.equal(tokensFromText('abcde'), 2);
  });

  it('adds reasoning to the completion and totals everything', () => {
    const counts = estimateCountsFromText(120, 'x'.repeat(41), 'y'.repeat(8));
    assert.equal(counts.prompt, 120);
    assert.equal(counts.promptText, 120);
    assert.equal(counts.completionText, 11);
    assert.equal(counts.reasoning, 2);
    assert.equal(counts.completion, 13);
    assert.equal(counts.total, 133);
    assert.equal(counts.cachedPrompt, 0);
  });

  it('cleans a bad prompt figure', () => {
    assert.equal(estimateCountsFromText(-3, '').prompt, 0);
    assert.equal(estimateCountsFromText(Number.NaN, 'ab').total, 1);
    assert.equal(estimateCountsFromText(2.5, '').prompt, 3);
  });
});
