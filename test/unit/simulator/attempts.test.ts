/**
 * The attempt log: what the gateway's ledger is reconciled against.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AttemptLog } from '../../../src/simulator/attempts.ts';
import { countTokens, startSimulator } from '../../../src/simulator/index.ts';
import type { SimulatorAttempt } from '../../../src/simulator/index.ts';
import { post, sseJson, userMessage, withSimulator } from './helpers.ts';

const sim = withSimulator();
before(sim.start);
after(sim.stop);

test('every request is logged with its ids, body and exact usage', async () => {
  sim.get().resetAttempts();
  const body = { model: 'm', messages: userMessage('log me'), max_tokens: 12 };
  const reply = await post(sim.get(), '/v1/chat/completions', body, {
    'x-portico-request-id': 'req_1',
    'x-portico-attempt': '2',
  });
  const attempt = await sim.get().waitFor((entry) => entry.requestId === 'req_1');
  assert.equal(sim.get().attempts.length, 1);
  assert.equal(attempt.attempt, 2);
  assert.equal(attempt.protocol, 'openai');
  assert.equal(attempt.model, 'm');
  assert.equal(attempt.stream, false);
  assert.equal(attempt.status, 200);
  assert.equal(attempt.maxOutputTokens, 12);
  assert.deepEqual(attempt.body, body);
  assert.equal(attempt.promptTokens, reply.json.usage.prompt_tokens);
  assert.equal(attempt.completionTokens, reply.json.usage.completion_tokens);
  assert.equal(attempt.usageReported, true);
  assert.equal(attempt.aborted, false);
  assert.ok(attempt.endedAt !== null && attempt.endedAt >= attempt.startedAt);

  await post(
    sim.get(),
    '/v1beta/models/gemini-2.5-flash:generateContent',
    { contents: [{ parts: [{ text: 'x' }] }] },
    { 'x-request-id': 'plain' },
  );
  const gemini = await sim.get().waitFor((entry) => entry.requestId === 'plain');
  assert.equal(gemini.protocol, 'gemini');
  assert.equal(gemini.model, 'gemini-2.5-flash');
  assert.equal(gemini.attempt, null);

  await post(sim.get(), '/v1/chat/completions', '{oops');
  const invalid = await sim.get().waitFor((entry) => entry.status === 400);
  assert.equal(invalid.body, null);
});

test('a client that disconnects mid-stream is logged as aborted, billed for what it was sent', async () => {
  sim.get().resetAttempts();
  const controller = new AbortController();
  const response = await fetch(`${sim.get().url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'x-sim-chunks': '200', 'x-sim-chunk-delay-ms': '20', 'x-portico-request-id': 'abort-me' },
    body: JSON.stringify({
      model: 'm',
      messages: userMessage('a long story'),
      stream: true,
      max_tokens: 2000,
    }),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  let text = '';
  while (text.split('\n\n').length - 1 < 3) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  controller.abort();
  const attempt = await sim.get().waitFor((entry) => entry.requestId === 'abort-me', 10_000);
  assert.equal(attempt.aborted, true);
  assert.ok(attempt.chunksSent >= 3 && attempt.chunksSent < 200);
  assert.ok(
    attempt.completionTokens >=
      sseJson(text).reduce((sum, chunk) => sum + countTokens(chunk.choices[0].delta.content ?? ''), 0),
  );
  assert.ok(attempt.completionTokens < 200);
  assert.equal(attempt.usageReported, false);
});

test('logAttempts: false keeps nothing, waitFor still sees attempts end', async () => {
  const quiet = await startSimulator({ logAttempts: false });
  try {
    const ended = quiet.waitFor((entry) => entry.requestId === 'quiet');
    await fetch(`${quiet.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-request-id': 'quiet' },
      body: JSON.stringify({ model: 'm', messages: userMessage('x') }),
    }).then((response) => response.text());
    assert.equal((await ended).status, 200);
    assert.equal(quiet.attempts.length, 0);
  } finally {
    await quiet.close();
  }
});

test('the log is bounded: the oldest entries go first', () => {
  const log = new AttemptLog(true, 10);
  for (let index = 0; index < 25; index++) log.add({ seq: log.nextSeq() } as SimulatorAttempt);
  assert.ok(log.entries.length <= 10);
  assert.equal(log.entries.at(-1)?.seq, 25);
});

test('waitFor rejects when nothing matching ends in time', async () => {
  await assert.rejects(
    sim.get().waitFor((entry) => entry.requestId === 'never', 10),
    /no matching attempt/,
  );
});
