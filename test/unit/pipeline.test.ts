import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PorticoError } from '../../src/errors.ts';
import { parseJsonBody } from '../../src/http/json-body.ts';
import { extractApiKey } from '../../src/pipeline/authenticate.ts';
import { closestModel } from '../../src/pipeline/resolve-model.ts';
import { pointerToParam, validateChatRequest } from '../../src/pipeline/validate-request.ts';
import { weightedOrder } from '../../src/routing/plan.ts';

function paramOf(body: unknown): string | undefined {
  try {
    validateChatRequest(body);
  } catch (error) {
    assert.ok(error instanceof PorticoError);
    assert.equal(error.status, 400);
    return error.param;
  }
  return 'valid';
}

test('validation names the offending param', () => {
  const base = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
  assert.equal(paramOf(base), 'valid');
  assert.equal(paramOf({ messages: base.messages }), 'model');
  assert.equal(paramOf({ ...base, temperature: 3 }), 'temperature');
  assert.equal(paramOf({ ...base, top_p: -1 }), 'top_p');
  assert.equal(
    paramOf({ ...base, stream_options: { include_usage: 'yes' } }),
    'stream_options.include_usage',
  );
  assert.ok(paramOf({ ...base, messages: [{ role: 'user', content: 5 }] })?.startsWith('messages[0]'));
  assert.ok(paramOf({ ...base, messages: [{ role: 'wizard', content: 'x' }] })?.startsWith('messages[0]'));
  assert.equal(paramOf({ ...base, tool_choice: 'sometimes' }), 'tool_choice');
  assert.equal(pointerToParam('/messages/3/content/0/image_url'), 'messages[3].content[0].image_url');
});

test('every OpenAI request field is accepted, unknown ones dropped', () => {
  const body = validateChatRequest({
    model: 'm',
    messages: [
      { role: 'system', content: 'sys' },
      { role: 'developer', content: [{ type: 'text', text: 'dev' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'hi' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
          { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,AAAA', filename: 'a.pdf' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'ok' },
    ],
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' }, strict: true } }],
    tool_choice: { type: 'function', function: { name: 'f' } },
    parallel_tool_calls: true,
    response_format: {
      type: 'json_schema',
      json_schema: { name: 's', schema: { type: 'object' }, strict: true },
    },
    temperature: 1,
    top_p: 0.5,
    n: 2,
    stop: ['x'],
    max_tokens: 10,
    max_completion_tokens: 10,
    presence_penalty: 0.1,
    frequency_penalty: -0.1,
    seed: 3,
    logprobs: true,
    top_logprobs: 2,
    reasoning_effort: 'low',
    user: 'u',
    metadata: { a: 'b' },
    stream: true,
    stream_options: { include_usage: true },
    api_base: 'http://evil',
    extra_headers: { x: 'y' },
  });
  assert.equal((body as Record<string, unknown>).api_base, undefined);
  assert.equal((body as Record<string, unknown>).extra_headers, undefined);
  assert.equal(body.n, 2);
});

test('API keys from Bearer, x-api-key and x-goog-api-key; other schemes refused', () => {
  assert.equal(extractApiKey({ authorization: 'Bearer sk-1' }), 'sk-1');
  assert.equal(extractApiKey({ authorization: 'bearer  sk-1 ' }), 'sk-1');
  assert.equal(extractApiKey({ authorization: 'Basic abc' }), undefined);
  assert.equal(extractApiKey({ 'x-api-key': 'sk-2' }), 'sk-2');
  assert.equal(extractApiKey({ 'x-goog-api-key': 'sk-3' }), 'sk-3');
  assert.equal(extractApiKey({}), undefined);
});

test('did-you-mean picks the closest allowed model', () => {
  const models = ['gemini-3.5-flash', 'gemini-2.5-pro', 'gemini-2.5-flash'];
  assert.equal(closestModel('gemini-3.5-flsh', models), 'gemini-3.5-flash');
  assert.equal(closestModel('Gemini-2.5-Pro', models), 'gemini-2.5-pro');
  assert.equal(closestModel('x', []), undefined);
});

test('weighted order prefers heavier deployments and drops weight 0', () => {
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const counts = new Map<string, number>();
  for (let index = 0; index < 2000; index++) {
    const first = weightedOrder(
      [
        { id: 'a', weight: 3 },
        { id: 'b', weight: 1 },
        { id: 'c', weight: 0 },
      ],
      random,
    );
    assert.equal(first.length, 2);
    counts.set(first[0]!.id, (counts.get(first[0]!.id) ?? 0) + 1);
  }
  assert.ok((counts.get('a') ?? 0) > (counts.get('b') ?? 0) * 2);
});

test('JSON bodies: invalid UTF-8, lone surrogates, deep nesting and empty bodies are 400s', () => {
  const expect400 = (buffer: Buffer) =>
    assert.throws(
      () => parseJsonBody(buffer),
      (error: unknown) => error instanceof PorticoError && error.status === 400,
    );
  expect400(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]));
  expect400(Buffer.from('{"a":"\\ud800"}'));
  expect400(Buffer.from('['.repeat(100) + ']'.repeat(100)));
  expect400(Buffer.from('['.repeat(200_000)));
  expect400(Buffer.alloc(0));
  assert.deepEqual(parseJsonBody(Buffer.from('{"a":"\\ud83d\\ude00"}')), { a: '😀' });
});
