/**
 * An Anthropic upstream (`type: anthropic`, Messages API) behind the OpenAI chat door, against the
 * simulator speaking Anthropic: JSON and streams translated, exact usage through the ledger (cache reads
 * counted in the prompt and billed at the cached price), tool calls, thinking, errors mapped, and a
 * field Anthropic cannot honour refused with a 400 naming it. The official `openai` SDK is the client.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

let simulator: Simulator;
let gateway: Gateway;
let client: OpenAI;
let accountId: string;

before(async () => {
  simulator = await startSimulator({ port: 0, host: '127.0.0.1' });
  gateway = await startGateway({
    simulator,
    providers: {
      claude: { type: 'anthropic', base_url: `${simulator.url}/v1`, api_key: 'sk-ant-test-key' },
    },
    models: {
      'claude-sonnet': {
        deployments: [{ provider: 'claude', model: 'claude-sonnet-4-5' }],
        pricing: { input: 3, cached_input: 0.3, output: 15 },
        max_output_tokens: 8192,
      },
    },
  });
  const created = await gateway.account(10);
  accountId = created.accountId;
  client = new OpenAI({ apiKey: created.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await simulator?.close();
});

/** The newest ledger row of the test account (the ledger is newest first). */
async function newestRow() {
  return (await gateway.services.store.ledger({ accountId, limit: 1 }))[0];
}

test('JSON: the Messages request, the translated answer, exact usage on the ledger', async () => {
  simulator.resetAttempts();
  const completion = await client.chat.completions.create({
    model: 'claude-sonnet',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hello claude [[sim:cached-tokens=4]]' },
    ],
    max_tokens: 200,
    temperature: 0.5,
  });
  const attempt = simulator.attempts[0];
  assert.equal(attempt?.protocol, 'anthropic');
  assert.equal(attempt?.path, '/v1/messages');
  assert.equal(attempt?.headers['x-api-key'], 'sk-ant-test-key');
  assert.equal(attempt?.headers['anthropic-version'], '2023-06-01');
  const body = attempt?.body as Record<string, any>;
  assert.equal(body.model, 'claude-sonnet-4-5');
  assert.equal(body.system, 'Be brief.');
  assert.equal(body.max_tokens, 200);
  assert.deepEqual(body.messages[0].role, 'user');

  assert.ok((completion.choices[0]?.message.content ?? '').length > 0);
  assert.equal(completion.choices[0]?.finish_reason, 'stop');
  // Anthropic reports input without cache reads; the prompt is both.
  assert.equal(completion.usage?.prompt_tokens, attempt?.promptTokens);
  assert.equal(completion.usage?.prompt_tokens_details?.cached_tokens, 4);
  assert.equal(completion.usage?.completion_tokens, attempt?.completionTokens);

  const row = await newestRow();
  assert.equal(row?.tokens.prompt, attempt?.promptTokens);
  assert.equal(row?.tokens.cachedPrompt, 4);
  assert.equal(row?.tokens.completion, attempt?.completionTokens);
  const prompt = attempt?.promptTokens ?? 0;
  const expected = Math.ceil((prompt - 4) * 3 + 4 * 0.3 + (attempt?.completionTokens ?? 0) * 15);
  assert.equal(row?.costMicros, expected);
  assert.equal(row?.usageEstimated, false);
});

test('stream: text deltas, finish, usage; the ledger matches what the upstream generated', async () => {
  simulator.resetAttempts();
  const stream = await client.chat.completions.create({
    model: 'claude-sonnet',
    messages: [{ role: 'user', content: 'stream please [[sim:chunks=6]]' }],
    max_tokens: 100,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    usage = chunk.usage ?? usage;
  }
  const attempt = simulator.attempts[0];
  assert.equal((attempt?.body as Record<string, unknown>).stream, true);
  assert.ok(text.length > 0);
  assert.equal(finish, 'stop');
  assert.equal(usage?.prompt_tokens, attempt?.promptTokens);
  assert.equal(usage?.completion_tokens, attempt?.completionTokens);
  const row = await newestRow();
  assert.equal(row?.tokens.completion, attempt?.completionTokens);
  assert.equal(row?.stream, true);
  assert.equal(row?.terminalState, 'ok');
});

test('tool calls and thinking, JSON and stream', async () => {
  const tools: OpenAI.ChatCompletionTool[] = [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } } },
      },
    },
  ];
  const completion = await client.chat.completions.create({
    model: 'claude-sonnet',
    messages: [{ role: 'user', content: 'what is the weather in Paris?' }],
    tools,
    max_tokens: 2048,
    reasoning_effort: 'low',
  });
  const message = completion.choices[0]?.message as OpenAI.ChatCompletionMessage & {
    reasoning_content?: string;
  };
  assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
  const call = message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
  assert.equal(call.function.name, 'get_weather');
  assert.ok(typeof JSON.parse(call.function.arguments) === 'object');
  assert.ok((message.reasoning_content ?? '').length > 0, 'thinking became reasoning_content');
  const sent = simulator.attempts.at(-1)?.body as Record<string, any>;
  assert.deepEqual(sent.thinking, { type: 'enabled', budget_tokens: 1024 });
  assert.equal(sent.tools[0].name, 'get_weather');

  const stream = await client.chat.completions.create({
    model: 'claude-sonnet',
    messages: [{ role: 'user', content: 'what is the weather in Paris?' }],
    tools,
    max_tokens: 2048,
    stream: true,
  });
  let name = '';
  let args = '';
  let finish: string | null = null;
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta.tool_calls?.[0];
    name += delta?.function?.name ?? '';
    args += delta?.function?.arguments ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(name, 'get_weather');
  assert.ok(typeof JSON.parse(args) === 'object');
  assert.equal(finish, 'tool_calls');
});

test('errors are mapped: 429 keeps Retry-After, 529 overloaded is a 503, an unsupported field is a 400', async () => {
  const failure = (content: string) =>
    client.chat.completions
      .create({ model: 'claude-sonnet', messages: [{ role: 'user', content }], max_tokens: 20 })
      .then(
        () => undefined,
        (caught: unknown) => caught as { status?: number; headers?: Headers; error?: any },
      );
  const refused = await client.chat.completions
    .create({
      model: 'claude-sonnet',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 20,
      logprobs: true,
    })
    .then(
      () => undefined,
      (caught: unknown) => caught as { status?: number; error?: any },
    );
  assert.equal(refused?.status, 400);
  assert.equal(refused?.error?.param, 'logprobs');
  // 529 first: the 429's Retry-After cools the deployment for what follows.
  const overloaded = await failure('hi [[sim:status=529]]');
  assert.equal(overloaded?.status, 503);
  const limited = await failure('hi [[sim:status=429;retry_after=9]]');
  assert.equal(limited?.status, 429);
  assert.equal(limited?.headers?.get?.('retry-after'), '9');
});
