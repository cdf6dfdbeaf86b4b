import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertCompletion } from '../../../src/providers/openai-compatible/convert-response.ts';
import { decodeToolCallId } from '../../../src/providers/openai-compatible/tool-call-id.ts';
import { UpstreamError } from '../../../src/providers/shared/upstream-error.ts';

test('an OpenAI completion maps to choices, counts and the upstream id', () => {
  const converted = convertCompletion({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello', reasoning_content: 'hm' },
        finish_reason: 'stop',
      },
      {
        index: 1,
        message: {
          role: 'assistant',
          content: null,
          reasoning: 'vLLM style',
          tool_calls: [{ id: 'call_x', type: 'function', function: { name: 'f', arguments: { a: 1 } } }],
        },
        finish_reason: 'tool_calls',
        logprobs: { content: [] },
      },
    ],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  });
  assert.equal(converted.upstreamId, 'chatcmpl-1');
  assert.equal(converted.counts?.total, 5);
  assert.deepEqual(converted.choices, [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hello', reasoning_content: 'hm' },
      finish_reason: 'stop',
    },
    {
      index: 1,
      message: {
        role: 'assistant',
        content: null,
        reasoning_content: 'vLLM style',
        tool_calls: [{ id: 'call_x', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
      },
      finish_reason: 'tool_calls',
      logprobs: { content: [] },
    },
  ]);
});

test('empty tool-call ids are generated; a signature on the call is packed into its id', () => {
  const converted = convertCompletion({
    choices: [
      {
        message: {
          content: null,
          tool_calls: [
            { id: '', type: 'function', function: { name: 'a', arguments: '{}' } },
            {
              id: '',
              type: 'function',
              function: { name: 'b', arguments: '{}' },
              extra_content: { google: { thought_signature: 'SIG' } },
            },
          ],
        },
        finish_reason: 'tool_calls',
      },
    ],
  });
  const calls = converted.choices[0]?.message.tool_calls ?? [];
  assert.match(calls[0]?.id ?? '', /^call_[0-9a-f]{24}$/);
  assert.deepEqual(decodeToolCallId(calls[1]?.id ?? ''), {
    id: (calls[1]?.id ?? '').split('~')[0],
    signature: 'SIG',
  });
  assert.equal(converted.counts, undefined);
});

test('bodies that are not completions are protocol errors; a 200 error body keeps its message', () => {
  for (const body of [null, 'text', [], {}, { choices: 'no' }, { choices: [3] }]) {
    assert.throws(
      () => convertCompletion(body),
      (error: unknown) => error instanceof UpstreamError && error.kind === 'protocol',
      JSON.stringify(body),
    );
  }
  assert.throws(
    () => convertCompletion({ error: { message: 'quota gone' } }),
    (error: unknown) =>
      error instanceof UpstreamError &&
      error.kind === 'protocol' &&
      error.clientError.status === 502 &&
      error.clientError.message.includes('quota gone'),
  );
});
