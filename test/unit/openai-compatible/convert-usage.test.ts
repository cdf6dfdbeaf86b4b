import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  convertUsage,
  estimateCompletionCounts,
} from '../../../src/providers/openai-compatible/convert-usage.ts';

test('OpenAI usage with details maps field by field', () => {
  const counts = convertUsage({
    prompt_tokens: 100,
    completion_tokens: 50,
    total_tokens: 150,
    prompt_tokens_details: { cached_tokens: 40, audio_tokens: 10 },
    completion_tokens_details: { reasoning_tokens: 20, audio_tokens: 5 },
  });
  assert.deepEqual(counts, {
    prompt: 100,
    cachedPrompt: 40,
    promptText: 90,
    promptAudio: 10,
    promptImage: 0,
    completion: 50,
    completionText: 25,
    completionAudio: 5,
    reasoning: 20,
    total: 150,
  });
});

test('Gemini compat: reasoning hidden in the total is derived and counted as completion', () => {
  const counts = convertUsage({ prompt_tokens: 35, completion_tokens: 12, total_tokens: 109 });
  assert.equal(counts?.reasoning, 62);
  assert.equal(counts?.completion, 74);
  assert.equal(counts?.completionText, 12);
  assert.equal(counts?.total, 109);
});

test('a reported reasoning count is trusted even when the total differs', () => {
  const counts = convertUsage({
    prompt_tokens: 10,
    completion_tokens: 5,
    total_tokens: 20,
    completion_tokens_details: { reasoning_tokens: 0 },
  });
  assert.equal(counts?.reasoning, 0);
  assert.equal(counts?.completion, 5);
});

test('missing or malformed usage reads as absent or zero', () => {
  assert.equal(convertUsage(undefined), undefined);
  assert.equal(convertUsage(null), undefined);
  const counts = convertUsage({ prompt_tokens: 'many', completion_tokens: -3 });
  assert.equal(counts?.prompt, 0);
  assert.equal(counts?.completion, 0);
});

test('the fallback estimate counts ~4 characters a token, reasoning apart', () => {
  const counts = estimateCompletionCounts([
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'abcdefgh',
        reasoning_content: 'abcd',
        tool_calls: [{ id: 'c', type: 'function', function: { name: 'ab', arguments: '{}' } }],
      },
      finish_reason: 'stop',
    },
  ]);
  assert.equal(counts.completionText, 3);
  assert.equal(counts.reasoning, 1);
  assert.equal(counts.completion, 4);
  assert.equal(counts.prompt, 0);
});
