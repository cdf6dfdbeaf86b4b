/**
 * The OpenAI side of the simulator over real HTTP: shapes, exact usage, caps, thinking, tools, n.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { countTokens } from '../../../src/simulator/index.ts';
import { post, sseData, sseJson, userMessage, withSimulator } from './helpers.ts';

const sim = withSimulator();
before(sim.start);
after(sim.stop);

const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];

test('non-stream: chat.completion shape; usage equals the generated text', async () => {
  const reply = await post(sim.get(), '/v1/chat/completions', {
    model: 'm1',
    messages: userMessage('Hello there, simulator'),
  });
  assert.equal(reply.status, 200);
  const body = reply.json;
  assert.match(body.id, /^chatcmpl-/);
  assert.equal(body.object, 'chat.completion');
  assert.equal(body.model, 'm1');
  assert.equal(body.choices.length, 1);
  const choice = body.choices[0];
  assert.equal(choice.message.role, 'assistant');
  assert.equal(choice.finish_reason, 'stop');
  assert.equal(body.usage.completion_tokens, countTokens(choice.message.content));
  assert.equal(body.usage.completion_tokens, 30, 'the default answer length');
  assert.equal(body.usage.prompt_tokens, countTokens('Hello there, simulator'));
  assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
  assert.equal(body.usage.prompt_tokens_details.cached_tokens, 0);
  assert.equal(body.usage.completion_tokens_details.reasoning_tokens, 0);
  // Deterministic: the same prompt gives the same answer; another prompt another one.
  const again = await post(sim.get(), '/chat/completions', {
    model: 'm1',
    messages: userMessage('Hello there, simulator'),
  });
  assert.equal(again.json.choices[0].message.content, choice.message.content);
  const other = await post(sim.get(), '/v1/chat/completions', {
    model: 'm1',
    messages: userMessage('Something else'),
  });
  assert.notEqual(other.json.choices[0].message.content, choice.message.content);
});

test('max_completion_tokens (then max_tokens) caps the answer, reasoning included; finish_reason length', async () => {
  const capped = await post(sim.get(), '/v1/chat/completions', {
    model: 'm',
    messages: userMessage('x'),
    max_tokens: 7,
  });
  assert.equal(capped.json.usage.completion_tokens, 7);
  assert.equal(countTokens(capped.json.choices[0].message.content), 7);
  assert.equal(capped.json.choices[0].finish_reason, 'length');
  const both = await post(sim.get(), '/v1/chat/completions', {
    model: 'm',
    messages: userMessage('x'),
    max_tokens: 50,
    max_completion_tokens: 20,
    reasoning_effort: 'low',
  });
  const usage = both.json.usage;
  assert.equal(usage.completion_tokens, 20);
  assert.equal(usage.completion_tokens_details.reasoning_tokens, 16);
  const message = both.json.choices[0].message;
  assert.equal(countTokens(message.reasoning_content), 16);
  assert.equal(countTokens(message.content), 4);
  const tiny = await post(sim.get(), '/v1/chat/completions', {
    model: 'm',
    messages: userMessage('x'),
    max_tokens: 5,
    reasoning_effort: 'high',
  });
  assert.equal(tiny.json.usage.completion_tokens, 5);
  assert.equal(tiny.json.choices[0].message.content, '');
  assert.equal(tiny.json.choices[0].finish_reason, 'length');
  const bad = await post(sim.get(), '/v1/chat/completions', {
    model: 'm',
    messages: userMessage('x'),
    max_tokens: -3,
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.param, 'max_tokens');
});

test('n > 1 gives several choices; usage sums them', async () => {
  const reply = await post(sim.get(), '/v1/chat/completions', {
    model: 'm',
    messages: userMessage('x'),
    n: 3,
    max_tokens: 10,
  });
  assert.deepEqual(
    reply.json.choices.map((choice: any) => choice.index),
    [0, 1, 2],
  );
  const generated = reply.json.choices.reduce(
    (sum: number, choice: any) => sum + countTokens(choice.message.content),
    0,
  );
  assert.equal(reply.json.usage.completion_tokens, generated);
  assert.equal(generated, 30);
});

test('images and audio count a fixed number of prompt tokens; x-sim-cached-tokens reports a cached prefix', async () => {
  const reply = await post(
    sim.get(),
    '/v1/chat/completions',
    {
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
            { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
          ],
        },
      ],
    },
    { 'x-sim-cached-tokens': '100' },
  );
  assert.equal(reply.json.usage.prompt_tokens, 3 + 258 + 258);
  assert.equal(reply.json.usage.prompt_tokens_details.audio_tokens, 258);
  assert.equal(reply.json.usage.prompt_tokens_details.cached_tokens, 100);
});

test('tools: "weather" in the last user message gives a tool call; a tool result gives text', async () => {
  const first = await post(sim.get(), '/v1/chat/completions', {
    model: 'm',
    messages: userMessage('What is the Weather in Paris?'),
    tools,
  });
  const choice = first.json.choices[0];
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.content, null);
  const call = choice.message.tool_calls[0];
  assert.match(call.id, /^call_sim_\d+$/);
  assert.equal(call.type, 'function');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'sample' });
  assert.equal(
    first.json.usage.completion_tokens,
    countTokens(call.function.name) + countTokens(call.function.arguments),
  );

  const second = await post(sim.get(), '/v1/chat/completions', {
    model: 'm',
    tools,
    messages: [
      { role: 'user', content: 'What is the weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: call.id, content: '{"temperature":21}' },
    ],
  });
  assert.equal(second.json.choices[0].finish_reason, 'stop');
  assert.ok(second.json.choices[0].message.content.length > 0);

  const forced = await post(
    sim.get(),
    '/v1/chat/completions',
    { model: 'm', messages: userMessage('hi'), tools },
    { 'x-sim-tool-call': '1' },
  );
  assert.equal(forced.json.choices[0].finish_reason, 'tool_calls');
  const noTools = await post(sim.get(), '/v1/chat/completions', {
    model: 'm',
    messages: userMessage('weather?'),
  });
  assert.equal(noTools.json.choices[0].finish_reason, 'stop');
});

test('stream: role first, content chunks, finish chunk, usage chunk with include_usage, then [DONE]', async () => {
  const reply = await post(sim.get(), '/v1/chat/completions', {
    model: 'm',
    messages: userMessage('stream please'),
    stream: true,
    stream_options: { include_usage: true },
    reasoning_effort: 'minimal',
    max_tokens: 20,
  });
  assert.equal(reply.status, 200);
  assert.match(reply.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.ok(reply.text.endsWith('data: [DONE]\n\n'));
  assert.ok(!reply.text.includes('\r\n'));
  const chunks = sseJson(reply.text);
  const first = chunks[0];
  assert.equal(first.object, 'chat.completion.chunk');
  assert.equal(first.choices[0].delta.role, 'assistant');
  let content = '';
  let reasoning = '';
  let finish: string | null = null;
  for (const chunk of chunks.slice(0, -1)) {
    assert.equal(chunk.id, first.id);
    assert.equal(chunk.usage, null);
    content += chunk.choices[0].delta.content ?? '';
    reasoning += chunk.choices[0].delta.reasoning_content ?? '';
    finish = chunk.choices[0].finish_reason ?? finish;
  }
  const last = chunks.at(-1);
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage.completion_tokens, countTokens(content) + countTokens(reasoning));
  assert.equal(last.usage.completion_tokens, 20);
  assert.equal(last.usage.completion_tokens_details.reasoning_tokens, countTokens(reasoning));
  assert.equal(finish, 'length');
});

test('stream without include_usage has no usage chunk and no usage field', async () => {
  const reply = await post(
    sim.get(),
    '/v1/chat/completions',
    { model: 'm', messages: userMessage('x'), stream: true },
    { 'x-sim-chunks': '3' },
  );
  const chunks = sseJson(reply.text);
  for (const chunk of chunks) {
    assert.equal('usage' in chunk, false);
    assert.equal(chunk.choices.length, 1);
  }
  assert.equal(chunks.length, 3 + 1, 'three content chunks and a finish chunk');
  assert.equal(sseData(reply.text).at(-1), '[DONE]');
  assert.equal(sim.get().attempts.at(-1)?.usageReported, false);
});

test('stream tool call: header delta with id and name, arguments delta, finish tool_calls', async () => {
  const reply = await post(sim.get(), '/v1/chat/completions', {
    model: 'm',
    messages: userMessage('weather in Rome'),
    tools,
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks = sseJson(reply.text);
  const head = chunks[0].choices[0].delta.tool_calls[0];
  assert.match(head.id, /^call_sim_/);
  assert.equal(head.function.name, 'get_weather');
  const args = chunks[1].choices[0].delta.tool_calls[0].function.arguments;
  assert.deepEqual(JSON.parse(args), { city: 'sample' });
  assert.equal(chunks.at(-2).choices[0].finish_reason, 'tool_calls');
  assert.equal(chunks.at(-1).usage.completion_tokens, countTokens('get_weather') + countTokens(args));
});

test('bad input: invalid JSON, a non-object, missing messages -> 400 in the OpenAI error shape', async () => {
  for (const body of [
    '{"model":',
    '[1,2]',
    JSON.stringify({ model: 'm' }),
    JSON.stringify({ messages: userMessage('x') }),
  ]) {
    const reply = await post(sim.get(), '/v1/chat/completions', body);
    assert.equal(reply.status, 400, body);
    assert.equal(reply.json.error.type, 'invalid_request_error');
    assert.equal(typeof reply.json.error.message, 'string');
  }
  const health = await fetch(`${sim.get().url}/health`);
  assert.equal(health.status, 200);
});

test('GET /v1/models lists models; unknown routes are 404', async () => {
  const list = await fetch(`${sim.get().url}/v1/models`);
  const body: any = await list.json();
  assert.equal(body.object, 'list');
  assert.ok(body.data.length > 0);
  const missing = await fetch(`${sim.get().url}/v1/nothing`, { method: 'POST', body: '{}' });
  assert.equal(missing.status, 404);
  await missing.text();
});

test('tool_choice: none forbids a call, required forces the first tool, a named choice picks that tool', async () => {
  const twoTools = [...tools, { type: 'function', function: { name: 'get_time' } }];
  const none = await post(sim.get(), '/v1/chat/completions', {
    model: 'm',
    messages: userMessage('weather?'),
    tools,
    tool_choice: 'none',
  });
  assert.equal(none.json.choices[0].finish_reason, 'stop');
  const required = await post(sim.get(), '/v1/chat/completions', {
    model: 'm',
    messages: userMessage('hello'),
    tools: twoTools,
    tool_choice: 'required',
  });
  assert.equal(required.json.choices[0].message.tool_calls[0].function.name, 'get_weather');
  const named = await post(sim.get(), '/v1/chat/completions', {
    model: 'm',
    messages: userMessage('hello'),
    tools: twoTools,
    tool_choice: { type: 'function', function: { name: 'get_time' } },
  });
  assert.equal(named.json.choices[0].message.tool_calls[0].function.name, 'get_time');
  assert.equal(named.json.choices[0].message.tool_calls[0].function.arguments, '{}');
});
