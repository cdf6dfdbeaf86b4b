/**
 * Each fault, acted out over real HTTP. No wall-clock assertions: stalls are observed through the
 * attempt log and ended by the client.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { countTokens, startSimulator } from '../../../src/simulator/index.ts';
import { geminiContents, post, sseData, sseJson, userMessage, withSimulator } from './helpers.ts';

const sim = withSimulator();
before(sim.start);
after(sim.stop);

const openAIStream = {
  model: 'm',
  messages: userMessage('tell me'),
  stream: true,
  stream_options: { include_usage: true },
};
const geminiBody = { contents: geminiContents('tell me') };
const GEMINI_SSE = '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse';
const GEMINI_JSON = '/v1beta/models/gemini-2.5-flash:generateContent';

/** Reads an SSE response until `events` events arrived (or the body ends); returns the text read. */
async function readEvents(response: Response, events: number): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (text.split(/\r?\n\r?\n/).length - 1 < events) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text;
}

/** Reads a body to its end; an error (reset) is returned instead of thrown, with the text so far. */
async function readAll(response: Response): Promise<{ text: string; error: unknown }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return { text, error: undefined };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

const open = (path: string, body: unknown, headers: Record<string, string>, signal?: AbortSignal) =>
  fetch(`${sim.get().url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal,
  });

test('status: OpenAI error shape, Retry-After on 429', async () => {
  const limited = await post(sim.get(), '/v1/chat/completions', openAIStream, {
    'x-sim-fault': 'status=429;retry_after=7',
  });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '7');
  assert.equal(limited.json.error.code, 'rate_limit_exceeded');
  assert.match(
    limited.headers.get('content-type') ?? '',
    /application\/json/,
    'an error before the stream is JSON',
  );
  for (const status of [500, 502, 503]) {
    const reply = await post(sim.get(), '/v1/chat/completions', openAIStream, {
      'x-fake-fault': `status=${status}`,
    });
    assert.equal(reply.status, status);
    assert.equal(reply.json.error.type, 'server_error');
    assert.equal(reply.headers.get('retry-after'), null);
  }
  const attempt = sim.get().attempts.at(-1);
  assert.equal(attempt?.status, 503);
  assert.equal(attempt?.fault, 'status=503');
  assert.equal(attempt?.completionTokens, 0);
});

test('status: Gemini error shape with RetryInfo, and API_KEY_INVALID on request', async () => {
  const limited = await post(sim.get(), GEMINI_JSON, geminiBody, {
    'x-sim-fault': 'status=429&retry_after=3',
  });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '3');
  assert.equal(limited.json.error.status, 'RESOURCE_EXHAUSTED');
  const retry = limited.json.error.details.find((detail: any) => detail['@type'].endsWith('RetryInfo'));
  assert.equal(retry.retryDelay, '3s');
  const unavailable = await post(sim.get(), GEMINI_SSE, geminiBody, { 'x-sim-fault': 'status=503' });
  assert.deepEqual(Object.keys(unavailable.json.error), ['code', 'message', 'status']);
  assert.equal(unavailable.json.error.status, 'UNAVAILABLE');
  const key = await post(sim.get(), GEMINI_JSON, geminiBody, {
    'x-sim-fault': 'status=400&reason=API_KEY_INVALID',
  });
  assert.equal(key.json.error.details[0].reason, 'API_KEY_INVALID');
  assert.equal(key.json.error.message, 'API key not valid. Please pass a valid API key.');
});

test('slow_first_byte: the answer still comes; a client that gives up during the wait is logged as an abort', async () => {
  const slow = await post(
    sim.get(),
    '/v1/chat/completions',
    { model: 'm', messages: userMessage('x') },
    { 'x-sim-fault': 'slow_first_byte=20' },
  );
  assert.equal(slow.status, 200);
  sim.get().resetAttempts();
  const controller = new AbortController();
  const pending = open(
    '/v1/chat/completions',
    { model: 'm', messages: userMessage('x') },
    { 'x-sim-fault': 'slow_first_byte=60000' },
    controller.signal,
  );
  const started = await sim
    .get()
    .waitFor(() => true, 0)
    .catch(() => undefined);
  assert.equal(started, undefined, 'nothing has ended yet');
  while (sim.get().attempts.length === 0) await new Promise((resolve) => setImmediate(resolve));
  controller.abort();
  await assert.rejects(pending);
  const attempt = await sim.get().waitFor((entry) => entry.aborted);
  assert.equal(attempt.status, 0, 'no response was sent');
  assert.equal(attempt.completionTokens, 0);
});

test('stall_after: n chunks, then silence until the client leaves; billed = delivered', async () => {
  sim.get().resetAttempts();
  const controller = new AbortController();
  const response = await open(
    GEMINI_SSE,
    geminiBody,
    { 'x-sim-fault': 'stall_after=2', 'x-sim-chunks': '6' },
    controller.signal,
  );
  assert.equal(response.status, 200);
  const text = await readEvents(response, 2);
  const delivered = sseJson(text);
  assert.equal(delivered.length, 2);
  const live = sim.get().attempts.at(-1)!;
  assert.equal(live.chunksSent, 2);
  assert.equal(live.endedAt, null, 'still open: stalled, not finished');
  controller.abort();
  const attempt = await sim.get().waitFor((entry) => entry.seq === live.seq);
  assert.equal(attempt.aborted, true);
  const tokens = delivered.reduce(
    (sum, chunk) => sum + countTokens(chunk.candidates[0].content.parts[0].text),
    0,
  );
  assert.equal(attempt.completionTokens, tokens);
  assert.equal(delivered.at(-1).usageMetadata.candidatesTokenCount, tokens);
});

test('reset_after: the socket drops after n chunks (stream) or inside the body (non-stream)', async () => {
  const stream = await open('/v1/chat/completions', openAIStream, { 'x-sim-fault': 'reset_after=2' });
  const streamed = await readAll(stream);
  assert.ok(streamed.error, 'the body ends in an error, not a clean end');
  assert.equal(sseData(streamed.text).length, 2);
  const attempt = await sim.get().waitFor((entry) => entry.fault === 'reset_after=2');
  assert.equal(attempt.aborted, false, 'the simulator cut it, not the client');
  assert.equal(attempt.chunksSent, 2);

  await assert.rejects(post(sim.get(), GEMINI_JSON, geminiBody, { 'x-sim-fault': 'reset' }));
  const partial = await open(GEMINI_JSON, geminiBody, { 'x-sim-fault': 'reset_after=20' });
  assert.equal(partial.status, 200);
  const body = await readAll(partial);
  assert.ok(body.error);
  assert.ok(body.text.length <= 20);
  const billed = await sim.get().waitFor((entry) => entry.fault === 'reset_after=20');
  assert.equal(billed.completionTokens, 30, 'the upstream generated the answer and bills it');
  assert.equal(billed.usageReported, false);
});

test('malformed_after and non_object_after: a bad data line mid-stream, then the rest', async () => {
  const reply = await post(sim.get(), '/v1/chat/completions', openAIStream, {
    'x-sim-fault': 'malformed_after=1',
  });
  const data = sseData(reply.text);
  assert.doesNotThrow(() => JSON.parse(data[0]!));
  assert.throws(() => JSON.parse(data[1]!));
  assert.equal(data.at(-1), '[DONE]');
  const gemini = await post(sim.get(), GEMINI_SSE, geminiBody, { 'x-sim-fault': 'non_object_after=0' });
  assert.equal(sseData(gemini.text)[0], '42');
});

test('error_event_after: a 200 stream, n chunks, one error event, then the end (no [DONE])', async () => {
  const reply = await post(sim.get(), '/v1/chat/completions', openAIStream, {
    'x-sim-fault': 'error_event_after=2',
  });
  assert.equal(reply.status, 200);
  const data = sseData(reply.text);
  assert.equal(data.length, 3);
  assert.equal(JSON.parse(data[2]!).error.type, 'server_error');
  const gemini = await post(sim.get(), GEMINI_SSE, geminiBody, { 'x-sim-fault': 'error_event' });
  const events = sseJson(gemini.text);
  assert.deepEqual(Object.keys(events), ['0']);
  assert.equal(events[0].error.status, 'INTERNAL');
  assert.ok(gemini.text.endsWith('\r\n\r\n'));
});

test('no_usage and zero_usage, both protocols', async () => {
  const json = await post(
    sim.get(),
    '/v1/chat/completions',
    { model: 'm', messages: userMessage('x') },
    { 'x-sim-fault': 'no_usage' },
  );
  assert.equal(json.json.usage, undefined);
  const stream = await post(sim.get(), '/v1/chat/completions', openAIStream, { 'x-sim-fault': 'no_usage' });
  assert.ok(sseJson(stream.text).every((chunk) => !('usage' in chunk) && chunk.choices.length > 0));
  const gemini = await post(sim.get(), GEMINI_SSE, geminiBody, { 'x-sim-fault': 'no_usage' });
  assert.ok(sseJson(gemini.text).every((chunk) => chunk.usageMetadata === undefined));
  assert.equal(sim.get().attempts.at(-1)?.usageReported, false);
  const zero = await post(sim.get(), GEMINI_JSON, geminiBody, { 'x-sim-fault': 'zero_usage' });
  assert.equal(zero.json.usageMetadata.totalTokenCount, 0);
  assert.ok(zero.json.candidates[0].content.parts[0].text.length > 0);
});

test('huge_body pads a valid JSON answer; split_bytes delivers the same stream in pieces', async () => {
  const huge = await post(
    sim.get(),
    '/v1/chat/completions',
    { model: 'm', messages: userMessage('x') },
    { 'x-sim-fault': 'huge_body=200000' },
  );
  assert.ok(huge.text.length > 200_000);
  assert.equal(huge.json.object, 'chat.completion');
  const whole = await post(sim.get(), GEMINI_SSE, geminiBody);
  const split = await post(sim.get(), GEMINI_SSE, geminiBody, { 'x-sim-fault': 'split_bytes' });
  const texts = (text: string) => sseJson(text).map((chunk) => chunk.candidates[0].content.parts[0].text);
  assert.deepEqual(texts(split.text), texts(whole.text));
});

test('a [[sim:...]] marker in the prompt works like the headers; unknown faults are a 400', async () => {
  const marked = await post(sim.get(), '/v1/chat/completions', {
    model: 'm',
    messages: userMessage('x [[sim:status=503]]'),
  });
  assert.equal(marked.status, 503);
  const chunks = await post(sim.get(), '/v1/chat/completions', {
    ...openAIStream,
    stream_options: undefined,
    messages: userMessage('x [[sim:chunks=2;tokens=4]]'),
  });
  assert.equal(sseJson(chunks.text).length, 2 + 1);
  const unknown = await post(
    sim.get(),
    '/v1/chat/completions',
    { model: 'm', messages: userMessage('x') },
    { 'x-sim-fault': 'explode' },
  );
  assert.equal(unknown.status, 400);
  assert.match(unknown.json.error.message, /unknown simulator fault "explode"/);
});

test('close() ends stalled streams instead of waiting for them', async () => {
  const own = await startSimulator({ port: 0 });
  const response = await fetch(`${own.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'x-sim-fault': 'stall_after=1' },
    body: JSON.stringify(openAIStream),
  });
  await readEvents(response, 1);
  await own.close();
  const rest = await readAll(response);
  assert.ok(rest.error, 'the stalled body was cut by close()');
});
