import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  AUDIO_MIN_TOKENS,
  FILE_MIN_TOKENS,
  MESSAGE_OVERHEAD_TOKENS,
  REQUEST_OVERHEAD_TOKENS,
  estimatePromptTokensUpperBound,
  planHold,
} from '../../../src/billing/hold-estimate.ts';
import { costMicros } from '../../../src/billing/prices.ts';
import type { ChatCompletionRequest } from '../../../src/openai/request.ts';

const FLASH = { input: 1.5, cached_input: 0.15, output: 9 };
const BASE = REQUEST_OVERHEAD_TOKENS + MESSAGE_OVERHEAD_TOKENS;

function request(messages: ChatCompletionRequest['messages'], extra: Partial<ChatCompletionRequest> = {}) {
  return { model: 'gemini-3-flash', messages, ...extra } as ChatCompletionRequest;
}

describe('estimatePromptTokensUpperBound', () => {
  it('counts UTF-8 bytes, not characters', () => {
    assert.equal(estimatePromptTokensUpperBound(request([{ role: 'user', content: 'hello' }])), BASE + 5);
    assert.equal(estimatePromptTokensUpperBound(request([{ role: 'user', content: 'héllo' }])), BASE + 6);
    assert.equal(estimatePromptTokensUpperBound(request([{ role: 'user', content: '😀' }])), BASE + 4);
    assert.equal(estimatePromptTokensUpperBound(request([{ role: 'user', content: '日本' }])), BASE + 6);
  });

  it('adds a per-message overhead and every text the model reads', () => {
    const bound = estimatePromptTokensUpperBound(
      request([
        { role: 'system', content: [{ type: 'text', text: 'be brief' }] },
        { role: 'user', content: 'hi', name: 'ann' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get', arguments: '{"a":1}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'ok' },
      ]),
    );
    const text = 8 + (2 + 3) + (MESSAGE_OVERHEAD_TOKENS + 2 + 3 + 7) + (2 + 2);
    assert.equal(bound, REQUEST_OVERHEAD_TOKENS + 4 * MESSAGE_OVERHEAD_TOKENS + text);
  });

  it('counts tool schemas, tool choice and the response format', () => {
    const tools: ChatCompletionRequest['tools'] = [
      { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } },
    ];
    const plain = estimatePromptTokensUpperBound(request([{ role: 'user', content: 'x' }]));
    const withTools = estimatePromptTokensUpperBound(
      request([{ role: 'user', content: 'x' }], {
        tools,
        tool_choice: 'auto',
        response_format: { type: 'json_object' },
      }),
    );
    const extra =
      JSON.stringify(tools).length + '"auto"'.length + JSON.stringify({ type: 'json_object' }).length;
    assert.equal(withTools - plain, extra);
  });

  it('bounds media parts with fixed and size-based allowances', () => {
    const image = estimatePromptTokensUpperBound(
      request([
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
      ]),
    );
    assert.equal(image, BASE + 1_120, 'an image of unreadable size: the Gemini 3 high-resolution bound');
    const smallAudio = estimatePromptTokensUpperBound(
      request([
        { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] },
      ]),
    );
    assert.equal(smallAudio, BASE + AUDIO_MIN_TOKENS);
    const bigAudio = estimatePromptTokensUpperBound(
      request([
        {
          role: 'user',
          content: [{ type: 'input_audio', input_audio: { data: 'A'.repeat(32_000), format: 'mp3' } }],
        },
      ]),
    );
    assert.equal(bigAudio, BASE + 1_024, '24,000 bytes at 6 kbit/s is 32 s, 32 tokens a second');
    const file = estimatePromptTokensUpperBound(
      request([{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }]),
    );
    assert.equal(file, BASE + FILE_MIN_TOKENS);
    const bigFile = estimatePromptTokensUpperBound(
      request([{ role: 'user', content: [{ type: 'file', file: { file_data: 'A'.repeat(160_000) } }] }]),
    );
    assert.equal(bigFile, BASE + 560_000, 'a PDF whose pages cannot be counted: the 1,000-page maximum');
  });

  it('is never below the four-characters-a-token estimate', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(50);
    const bound = estimatePromptTokensUpperBound(request([{ role: 'user', content: text }]));
    assert.ok(bound >= Math.ceil(text.length / 4));
  });
});

describe('planHold', () => {
  it('holds the prompt bound plus an explicit max_tokens, when affordable', () => {
    const plan = planHold({
      promptUpperBound: 1000,
      requestedMaxTokens: 500,
      modelMaxOutput: 65_536,
      pricing: FLASH,
      balanceMicros: 6000,
    });
    assert.deepEqual(plan, { maxOutputTokens: 500, holdMicros: 1000 * 1.5 + 500 * 9 });
  });

  it('refuses (402) rather than shrinking an explicit max_tokens the balance cannot pay', () => {
    const plan = planHold({
      promptUpperBound: 1000,
      requestedMaxTokens: 500,
      modelMaxOutput: 65_536,
      pricing: FLASH,
      balanceMicros: 5999,
    });
    assert.deepEqual(plan, { insufficient: true, requiredMicros: 6000 });
  });

  it('clamps an explicit max_tokens to the model maximum', () => {
    const plan = planHold({
      promptUpperBound: 10,
      requestedMaxTokens: 1_000_000,
      modelMaxOutput: 65_536,
      pricing: FLASH,
      balanceMicros: 10_000_000,
    });
    assert.deepEqual(plan, { maxOutputTokens: 65_536, holdMicros: 15 + 65_536 * 9 });
  });

  it('without max_tokens, allows the model maximum when the balance covers it', () => {
    const plan = planHold({
      promptUpperBound: 100,
      modelMaxOutput: 65_536,
      pricing: FLASH,
      balanceMicros: 10_000_000,
    });
    assert.deepEqual(plan, { maxOutputTokens: 65_536, holdMicros: 150 + 65_536 * 9 });
  });

  it('without max_tokens, clamps the allowance to what the balance can pay after the prompt', () => {
    // (6000 - 1500) / 9 = 500 tokens.
    assert.deepEqual(
      planHold({ promptUpperBound: 1000, modelMaxOutput: 65_536, pricing: FLASH, balanceMicros: 6000 }),
      {
        maxOutputTokens: 500,
        holdMicros: 6000,
      },
    );
    assert.deepEqual(
      planHold({ promptUpperBound: 1000, modelMaxOutput: 65_536, pricing: FLASH, balanceMicros: 6008 }),
      {
        maxOutputTokens: 500,
        holdMicros: 6000,
      },
    );
  });

  it('refuses when the prompt bound and one output token cannot be paid', () => {
    assert.deepEqual(
      planHold({ promptUpperBound: 1000, modelMaxOutput: 65_536, pricing: FLASH, balanceMicros: 1508 }),
      {
        insufficient: true,
        requiredMicros: 1509,
      },
    );
    assert.deepEqual(
      planHold({ promptUpperBound: 1000, modelMaxOutput: 65_536, pricing: FLASH, balanceMicros: 1509 }),
      {
        maxOutputTokens: 1,
        holdMicros: 1509,
      },
    );
    assert.equal(
      'insufficient' in
        planHold({ promptUpperBound: 10, modelMaxOutput: 10, pricing: FLASH, balanceMicros: 0 }),
      true,
    );
  });

  it('finds the largest affordable allowance exactly, with fractional prices', () => {
    const pricing = { input: 1.25, cached_input: 0.125, output: 0.3333 };
    for (const balance of [1, 2, 7, 99, 1_000, 12_345, 987_654]) {
      for (const prompt of [0, 1, 3, 100]) {
        const plan = planHold({
          promptUpperBound: prompt,
          modelMaxOutput: 5_000_000,
          pricing,
          balanceMicros: balance,
        });
        if ('insufficient' in plan) {
          assert.ok(costMicros({ prompt, cachedPrompt: 0, completion: 1, reasoning: 0 }, pricing) > balance);
          continue;
        }
        assert.ok(plan.holdMicros <= balance, `hold ${plan.holdMicros} within ${balance}`);
        const more = costMicros(
          { prompt, cachedPrompt: 0, completion: plan.maxOutputTokens + 1, reasoning: 0 },
          pricing,
        );
        assert.ok(
          plan.maxOutputTokens === 5_000_000 || more > balance,
          `one more token is unaffordable at ${balance}`,
        );
      }
    }
  });

  it('caps the prompt bound at the context window when given', () => {
    const plan = planHold({
      promptUpperBound: 5_000_000,
      requestedMaxTokens: 10,
      modelMaxOutput: 100,
      pricing: FLASH,
      balanceMicros: 100_000_000,
      contextWindow: 1_000_000,
    });
    assert.deepEqual(plan, { maxOutputTokens: 10, holdMicros: 1_500_000 + 90 });
  });

  it('handles free models: zero prices hold nothing and allow the model maximum', () => {
    const free = { input: 0, cached_input: 0, output: 0 };
    assert.deepEqual(
      planHold({ promptUpperBound: 1000, modelMaxOutput: 4096, pricing: free, balanceMicros: 0 }),
      {
        maxOutputTokens: 4096,
        holdMicros: 0,
      },
    );
    const freeOutput = { input: 1, cached_input: 0, output: 0 };
    assert.deepEqual(
      planHold({ promptUpperBound: 10, modelMaxOutput: 4096, pricing: freeOutput, balanceMicros: 10 }),
      {
        maxOutputTokens: 4096,
        holdMicros: 10,
      },
    );
    assert.equal(
      'insufficient' in
        planHold({ promptUpperBound: 10, modelMaxOutput: 4096, pricing: freeOutput, balanceMicros: 9 }),
      true,
    );
  });
});
