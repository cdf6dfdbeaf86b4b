/**
 * The `vertex` provider through the gateway against the simulator (Vertex URL shapes, its local token
 * endpoint): a service account's token on a regional project path with labels, the same translation as
 * AI Studio for JSON and streams, errors mapped alike, and express mode with an API key. The official
 * `openai` SDK is the client.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { serviceAccountJson } from '../helpers/service-account.ts';

let simulator: Simulator;
let gateway: Gateway;
let client: OpenAI;

before(async () => {
  simulator = await startSimulator({ port: 0, host: '127.0.0.1' });
  gateway = await startGateway({
    simulator,
    providers: {
      vertex: {
        type: 'vertex',
        base_url: `${simulator.url}/v1`,
        project: 'proj-1',
        location: 'europe-west4',
        credentials: serviceAccountJson(`${simulator.url}/token`),
        labels: { team: 'core', env: 'test' },
      },
      express: { type: 'vertex', base_url: `${simulator.url}/v1`, api_key: 'express-key-1' },
    },
    models: {
      'gemini-2.5-flash': {
        deployments: [{ provider: 'vertex', model: 'gemini-2.5-flash' }],
        pricing: { input: 1, output: 2 },
      },
      'flash-express': {
        deployments: [{ provider: 'express', model: 'gemini-2.5-flash' }],
        pricing: { input: 1, output: 2 },
      },
    },
  });
  const { key } = await gateway.account(10);
  client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await simulator?.close();
});

test('a regional project path with the service account token and labels, JSON and stream', async () => {
  simulator.resetAttempts();
  const completion = await client.chat.completions.create({
    model: 'gemini-2.5-flash',
    messages: [{ role: 'user', content: 'hello vertex' }],
    max_tokens: 30,
  });
  assert.ok((completion.choices[0]?.message.content ?? '').length > 0);
  assert.ok((completion.usage?.prompt_tokens ?? 0) > 0);
  const stream = await client.chat.completions.create({
    model: 'gemini-2.5-flash',
    messages: [{ role: 'user', content: 'hello vertex' }],
    max_tokens: 30,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage = 0;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    usage = chunk.usage?.total_tokens ?? usage;
  }
  assert.ok(text.length > 0 && usage > 0);

  const [json, sse] = simulator.attempts;
  const base = '/v1/projects/proj-1/locations/europe-west4/publishers/google/models/gemini-2.5-flash';
  assert.equal(json?.path, `${base}:generateContent`);
  assert.equal(sse?.path, `${base}:streamGenerateContent?alt=sse`);
  for (const attempt of [json, sse]) {
    const token = String(attempt?.headers.authorization).replace(/^Bearer /, '');
    assert.ok(simulator.tokens.accepts(token), 'a token from the token endpoint');
    assert.equal(attempt?.headers['x-goog-api-key'], undefined);
    assert.deepEqual((attempt?.body as { labels?: unknown }).labels, { team: 'core', env: 'test' });
    assert.ok(Array.isArray((attempt?.body as { contents?: unknown }).contents), 'Gemini translation');
  }
  // One token served both requests: minted at start-up, not per request.
  assert.equal(new Set([json, sse].map((attempt) => attempt?.headers.authorization)).size, 1);
});

test('errors are mapped as for AI Studio (429 with Retry-After)', async () => {
  const error = await client.chat.completions
    .create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'hi [[sim:status=429;retry_after=7]]' }],
      max_tokens: 10,
    })
    .then(
      () => undefined,
      (caught: unknown) => caught as { status?: number; headers?: Headers },
    );
  assert.equal(error?.status, 429);
  assert.equal(error?.headers?.get?.('retry-after'), '7');
});

test('express mode: the global publisher path with the API key, no token', async () => {
  simulator.resetAttempts();
  const completion = await client.chat.completions.create({
    model: 'flash-express',
    messages: [{ role: 'user', content: 'hello express' }],
    max_tokens: 20,
  });
  assert.ok((completion.choices[0]?.message.content ?? '').length > 0);
  const attempt = simulator.attempts[0];
  assert.equal(attempt?.path, '/v1/publishers/google/models/gemini-2.5-flash:generateContent');
  assert.equal(attempt?.headers['x-goog-api-key'], 'express-key-1');
  assert.equal(attempt?.headers.authorization, undefined);
});
