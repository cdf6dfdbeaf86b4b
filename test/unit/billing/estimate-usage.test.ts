import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  billableUsage,
  DeliveredTally,
  estimatePromptTokens,
  promptOnlyUsage,
  tokensFromChars,
} from '../../../src/billing/estimate-usage.ts';
import { emptyTokenCounts } from '../../../src/openai/response.ts';
import type { ChatCompletionRequest } from '../../../src/openai/request.ts';

const request: ChatCompletionRequest = {
  model: 'm',
  messages: [{ role: 'user', content: 'x'.repeat(96) }],
};

describe('the one usage estimator', () => {
  test('rounds characters up to tokens, never negative', () => {
    assert.equal(tokensFromChars(0), 0);
    assert.equal(tokensFromChars(1), 1);
    assert.equal(tokensFromChars(9), 3);
    assert.equal(tokensFromChars(-5), 0);
  });

  test('estimates the prompt from its text and markup', () => {
    assert.equal(estimatePromptTokens(request), 25); // (96 + 4) / 4
  });

  test('absent usage with delivered content: estimated in full, never zero', () => {
    const tally = new DeliveredTally();
    tally.addChunk(
      [
        {
          index: 0,
          delta: { content: 'y'.repeat(41), reasoning_content: 'z'.repeat(8) },
          finish_reason: null,
        },
      ],
      1,
    );
    const verdict = billableUsage(undefined, request, tally);
    assert.equal(verdict.estimated, true);
    assert.equal(verdict.counts.prompt, 25);
    assert.equal(verdict.counts.completionText, 11);
    assert.equal(verdict.counts.reasoning, 2);
    assert.equal(verdict.counts.completion, 13);
    assert.equal(verdict.counts.total, 38);
    assert.equal(tally.firstAt, 1);
  });

  test('a report of zero output for delivered text is not trusted', () => {
    const tally = new DeliveredTally();
    tally.addChoices([
      { index: 0, message: { role: 'assistant', content: 'abcdefgh' }, finish_reason: 'stop' },
    ]);
    const reported = { ...emptyTokenCounts(), prompt: 30, promptText: 30, total: 30 };
    const verdict = billableUsage(reported, request, tally);
    assert.equal(verdict.estimated, true);
    assert.equal(verdict.counts.prompt, 30, 'a reported prompt is kept');
    assert.equal(verdict.counts.completion, 2);
  });

  test('a usable report is billed as reported', () => {
    const tally = new DeliveredTally();
    tally.addChoices([
      { index: 0, message: { role: 'assistant', content: 'abcdefgh' }, finish_reason: 'stop' },
    ]);
    const reported = { ...emptyTokenCounts(), prompt: 30, completion: 5, total: 35 };
    assert.deepEqual(billableUsage(reported, request, tally), { counts: reported, estimated: false });
  });

  test('nothing delivered and nothing reported: the prompt only', () => {
    const verdict = billableUsage(undefined, request, new DeliveredTally());
    assert.equal(verdict.counts.completion, 0);
    assert.equal(verdict.counts.prompt, 25);
    assert.deepEqual(promptOnlyUsage(request), {
      ...emptyTokenCounts(),
      prompt: 25,
      promptText: 25,
      total: 25,
    });
  });
});
