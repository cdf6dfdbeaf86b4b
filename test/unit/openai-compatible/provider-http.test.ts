/** The provider against a real HTTP upstream double: what goes out, what comes back, how it fails. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { OpenAICompatibleProvider } from '../../../src/providers/openai-compatible/openai-compatible-provider.ts';
import { UpstreamError } from '../../../src/providers/shared/upstream-error.ts';
import { UpstreamDouble, sendJson, sendSse, sseText, type Handler } from './helpers/upstream-double.ts';
import { collect, providerInput, rejection, withStableIds } from './helpers/provider-input.ts';

const UPSTREAM_KEY = 'sk-upstream-0123456789abcdef';
const CLIENT_KEY = 'pk-client-secret';

let handler: Handler = (_request, response) => sendJson(response, 500, {});
let double: UpstreamDouble;
let provider: OpenAICompatibleProvider;

before(async () => {
  double = await UpstreamDouble.start((request, response) => handler(request, response));
  provider = new OpenAICompatibleProvider({ name: 'local', baseUrl: double.baseUrl, apiKey: UPSTREAM_KEY });
});

after(async () => {
  await provider.close();
  await double.close();
});

const completion = {
  id: 'chatcmpl-9',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
};

test('POSTs one body to {base}/chat/completions with the upstream key only', async () => {
  handler = (_request, response) => sendJson(response, 200, completion);
  const input = providerInput(
    { user: 'u1', metadata: { a: 'b' } },
    { headers: { authorization: `Bearer ${CLIENT_KEY}`, 'x-portico-attempt': '2' } },
  );
  const result = await provider.complete(input);
  const request = double.requests.at(-1);
  assert.equal(request?.method, 'POST');
  assert.equal(request?.url, '/v1/chat/completions');
  assert.equal(request?.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
  assert.equal(request?.headers['x-portico-request-id'], 'req_test');
  assert.equal(request?.headers['x-portico-attempt'], '2');
  assert.equal(JSON.stringify(request?.headers).includes(CLIENT_KEY), false);
  assert.deepEqual(double.lastBody(), {
    model: 'upstream-model',
    messages: [{ role: 'user', content: 'Hi' }],
    max_completion_tokens: 100,
  });
  assert.deepEqual(result, {
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there' }, finish_reason: 'stop' }],
    counts: {
      prompt: 5,
      cachedPrompt: 0,
      promptText: 5,
      promptAudio: 0,
      promptImage: 0,
      completion: 2,
      completionText: 2,
      completionAudio: 0,
      reasoning: 0,
      total: 7,
    },
    usageEstimated: false,
    upstreamId: 'chatcmpl-9',
    // The label of the pool key that served it (a plain api_key is `key-1`), never the key itself.
    credential: 'key-1',
  });
});

test('no usage upstream: counts are a local estimate flagged as such', async () => {
  handler = (_request, response) => sendJson(response, 200, { ...completion, usage: undefined });
  const result = await provider.complete(providerInput());
  assert.equal(result.usageEstimated, true);
  assert.equal(result.counts.completion, 2);
});

const streamChunks = [
  { choices: [{ index: 0, delta: { role: 'assistant', content: 'Hé' }, finish_reason: null }] },
  { choices: [{ index: 0, delta: { content: 'llo' }, finish_reason: 'stop' }] },
  { choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
];

test('a stream written byte by byte gives the same events as one written at once', async () => {
  handler = (_request, response) => sendSse(response, sseText(streamChunks));
  const whole = await collect(await provider.stream(providerInput({ stream: true })));
  assert.deepEqual((double.lastBody() as { stream_options: unknown }).stream_options, {
    include_usage: true,
  });
  handler = (_request, response) => sendSse(response, sseText(streamChunks), true);
  const byByte = await collect(await provider.stream(providerInput({ stream: true })));
  assert.deepEqual(withStableIds(byByte), withStableIds(whole));
  assert.deepEqual(
    whole.map((event) => event.type),
    ['choices', 'choices', 'usage'],
  );
});

test('a JSON answer to a stream request is replayed as events', async () => {
  handler = (_request, response) => sendJson(response, 200, completion);
  const events = await collect(await provider.stream(providerInput({ stream: true })));
  assert.deepEqual(
    events.map((event) => event.type),
    ['choices', 'usage'],
  );
});

test('mid-stream failures are thrown by the iterator as UpstreamError', async () => {
  const bodies: Array<[string, string]> = [
    [sseText([streamChunks[0], { error: { message: 'overloaded' } }], false), 'protocol'],
    [sseText([streamChunks[0], '{not json'], false), 'protocol'],
    [sseText([streamChunks[0]], false), 'reset'],
  ];
  for (const [body, kind] of bodies) {
    handler = (_request, response) => sendSse(response, body);
    const events = await provider.stream(providerInput({ stream: true }));
    const error = await rejection(() => collect(events));
    assert.ok(error instanceof UpstreamError);
    assert.equal(error.kind, kind);
  }
});

test('upstream statuses map onto client errors without leaking the URL or key', async () => {
  const leaky = `bad thing at ${'http://127.0.0.1:1/v1'} with ${UPSTREAM_KEY}`;
  const cases: Array<[number, unknown, number, string]> = [
    [
      400,
      { error: { message: 'temperature too high', type: 'invalid_request_error' } },
      400,
      'invalid_request',
    ],
    [400, { error: { message: leaky } }, 400, 'invalid_request'],
    [401, { error: { message: 'bad key' } }, 502, 'upstream_failed'],
    [403, { error: { message: 'forbidden' } }, 502, 'upstream_failed'],
    [404, { error: { message: 'model does not exist' } }, 404, 'model_not_found'],
    [429, { error: { message: 'slow down' } }, 429, 'upstream_rate_limited'],
    [500, '<html>oops</html>', 502, 'upstream_failed'],
    [502, {}, 502, 'upstream_failed'],
    [503, { error: { message: 'overloaded' } }, 503, 'upstream_unavailable'],
  ];
  for (const [status, body, clientStatus, code] of cases) {
    handler = (_request, response) => {
      if (typeof body !== 'string') return sendJson(response, status, body);
      response.writeHead(status, { 'content-type': 'text/html' });
      response.end(body);
    };
    for (const call of [() => provider.complete(providerInput()), () => provider.stream(providerInput())]) {
      const error = await rejection(call);
      assert.ok(error instanceof UpstreamError, `${status}`);
      assert.equal(error.kind, 'status');
      assert.equal(error.upstreamStatus, status);
      assert.equal(error.clientError.status, clientStatus, `${status}`);
      assert.equal(error.clientError.code, code, `${status}`);
      const visible = JSON.stringify(error.clientError.toBody());
      assert.equal(visible.includes('127.0.0.1'), false);
      assert.equal(visible.includes(UPSTREAM_KEY), false);
    }
  }
  handler = (_request, response) => sendJson(response, 400, { error: { message: 'temperature too high' } });
  const error = await rejection(() => provider.complete(providerInput()));
  assert.ok(error instanceof UpstreamError);
  assert.equal(error.clientError.message, 'temperature too high');
});

test('429 and 503 carry the upstream Retry-After', async () => {
  for (const status of [429, 503]) {
    handler = (_request, response) =>
      sendJson(response, status, { error: { message: 'wait' } }, { 'retry-after': '7' });
    const error = await rejection(() => provider.complete(providerInput()));
    assert.ok(error instanceof UpstreamError);
    assert.equal(error.retryAfterSeconds, 7);
    assert.equal(error.clientError.headers?.['retry-after'], '7');
    assert.equal(error.unbilled, true);
  }
});

test('a refused connection is kind connect and unbilled', async () => {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  const closed = new OpenAICompatibleProvider({ name: 'gone', baseUrl: `http://127.0.0.1:${port}/v1` });
  try {
    const error = await rejection(() => closed.complete(providerInput()));
    assert.ok(error instanceof UpstreamError);
    assert.equal(error.kind, 'connect');
    assert.equal(error.unbilled, true);
  } finally {
    await closed.close();
  }
});

test('no answer within the first-byte timeout is timeout_first_byte', async () => {
  handler = () => undefined;
  const error = await rejection(() =>
    provider.complete(providerInput({}, { timeouts: { firstByteMs: 50 } })),
  );
  assert.ok(error instanceof UpstreamError);
  assert.equal(error.kind, 'timeout_first_byte');
  assert.equal(error.clientError.code, 'upstream_timeout');
});

test(
  'aborting the signal aborts the upstream request, before and during a stream',
  { timeout: 10_000 },
  async () => {
    handler = () => undefined;
    const seen = double.requests.length;
    const waiting = new AbortController();
    const pending = provider.complete(providerInput({}, { signal: waiting.signal }));
    while (double.requests.length === seen) await new Promise((resolve) => setTimeout(resolve, 5));
    const first = double.requests.at(-1);
    waiting.abort();
    const error = await rejection(() => pending);
    assert.ok(error instanceof UpstreamError);
    assert.equal(error.kind, 'aborted');
    await first?.aborted;

    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(sseText([streamChunks[0]], false));
    };
    const streaming = new AbortController();
    const events = await provider.stream(providerInput({ stream: true }, { signal: streaming.signal }));
    const iterator = events[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.type, 'choices');
    const second = double.requests.at(-1);
    assert.equal(double.requests.length, seen + 2);
    streaming.abort();
    const streamError = await rejection(() => iterator.next());
    assert.ok(streamError instanceof UpstreamError);
    assert.equal(streamError.kind, 'aborted');
    await second?.aborted;
  },
);
