/**
 * Issue 17, High 2 and Medium 7: cheap before expensive on the client API. A request is authenticated
 * (and its account checked for any balance at all) from its headers, before its body is read; slow or
 * unauthenticated clients never hold one of the gateway's concurrency slots; one address holds a bounded
 * number of unauthenticated connections; a body must arrive within its deadline.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { HEALTH_BOUND_MS, healthDuringAttack } from '../helpers/health-probe.ts';
import { prepareAttack } from '../helpers/attack-worker.ts';
import { postRaw } from '../helpers/raw-http.ts';

let gateway: Gateway;
let key: string;
let brokeKey: string;

before(async () => {
  gateway = await startGateway({
    server: {
      max_body_mb: 16,
      max_concurrency: 5,
      body_timeout_ms: 1_500,
      unauthenticated_connections_per_ip: 40,
    },
  });
  ({ key } = await gateway.account(10));
  ({ key: brokeKey } = await gateway.account(0));
});
after(async () => gateway.close());

const small = JSON.stringify({ model: 'sim-openai', messages: [{ role: 'user', content: 'hello' }] });

/** Opens a socket and sends a request head whose body will trickle (or never come). */
async function openSlowBody(authorization: string | undefined, contentLength = 100_000): Promise<Socket> {
  const url = new URL(gateway.url);
  const socket = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  socket.write(
    'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      (authorization ? `Authorization: ${authorization}\r\n` : '') +
      `Content-Length: ${contentLength}\r\n\r\n{`,
  );
  return socket;
}

function readAll(socket: Socket, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => resolve(text), timeoutMs);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

test('slow bodies, authenticated or not, hold no concurrency slot: a real request still gets through', async () => {
  // Ten times the bound: half with no key, half with a valid key that never finishes its body.
  const sockets = await Promise.all([
    ...Array.from({ length: 25 }, () => openSlowBody(undefined)),
    ...Array.from({ length: 25 }, () => openSlowBody(`Bearer ${key}`)),
  ]);
  try {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const response = await postRaw(gateway.url, '/v1/chat/completions', small, {
      authorization: `Bearer ${key}`,
    });
    assert.equal(response.status, 200, response.text);
  } finally {
    for (const socket of sockets) socket.destroy();
  }
});

test('no key: 401 before the body is read, in the seed format, and the connection lingers for the answer', async () => {
  const socket = await openSlowBody('Bearer sk-not-a-key', 1_000_000);
  // The client keeps sending after the answer; it must still read a 401, not a reset.
  const text = readAll(socket);
  for (let index = 0; index < 5; index++) socket.write('x'.repeat(10_000));
  const answer = await text;
  assert.match(answer, /^HTTP\/1\.1 401 /);
  assert.match(answer, /"type":"authentication_error"/);
  assert.match(answer, /connection: close/i);
});

test('an account with nothing to spend gets its 402 before its body is read', async () => {
  const socket = await openSlowBody(`Bearer ${brokeKey}`, 1_000_000);
  const answer = await readAll(socket);
  assert.match(answer, /^HTTP\/1\.1 402 /);
  assert.match(answer, /"type":"insufficient_quota_error"/);
  // Listing models stays open to it: only spending routes need a balance.
  const models = await fetch(`${gateway.url}/v1/models`, {
    headers: { authorization: `Bearer ${brokeKey}` },
  });
  assert.equal(models.status, 200);
});

test('a body that does not arrive within body_timeout_ms is a 408 in the seed format', async () => {
  const socket = await openSlowBody(`Bearer ${key}`, 1_000);
  const started = Date.now();
  const answer = await readAll(socket, 10_000);
  assert.match(answer, /^HTTP\/1\.1 408 /);
  assert.match(answer, /"type":"invalid_request_error"/);
  assert.ok(Date.now() - started < 8_000);
});

test('one address holds a bounded number of unauthenticated connections', async () => {
  const url = new URL(gateway.url);
  const open = (): Promise<Socket> =>
    new Promise((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => resolve(socket));
      socket.on('error', () => undefined);
    });
  const idle = await Promise.all(Array.from({ length: 40 }, open));
  try {
    const extra = await open();
    const closed = await new Promise<boolean>((resolve) => {
      extra.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 2_000);
    });
    assert.equal(closed, true, 'the 41st unauthenticated connection was kept open');
  } finally {
    for (const socket of idle) socket.destroy();
  }
  // Once they close, the address may connect again.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const response = await postRaw(gateway.url, '/v1/chat/completions', small, {
    authorization: `Bearer ${key}`,
  });
  assert.equal(response.status, 200);
});

test('four unauthenticated 15 MB bodies are refused unread, and /health stays live', async () => {
  const body = Buffer.alloc(15 * 1024 * 1024, 0x20);
  body.write('{"model":"sim-openai","messages":[');
  const options = { url: gateway.url, path: '/v1/chat/completions', body, parallel: 4 };
  await (await prepareAttack(options)).fire();
  const { answers, report, runs } = await healthDuringAttack(gateway.url, () => prepareAttack(options));
  for (const answer of answers) {
    // The answer arrives while the client is still sending; either it reads the 401 or (if the
    // socket closed first) fails to send, but the gateway never parsed a byte.
    if (answer.status !== 0) assert.equal(answer.status, 401, answer.text);
  }
  assert.ok(answers.some((answer) => answer.status === 401));
  assert.equal(report.failures, 0);
  assert.ok(report.count >= 3, JSON.stringify(report));
  assert.ok(
    report.maxMs < HEALTH_BOUND_MS,
    `/health took up to ${report.maxMs.toFixed(1)} ms: ${JSON.stringify(runs)}`,
  );
});

test("refusals before the body come in each door's own error shape", async () => {
  const anthropic = await postRaw(gateway.url, '/v1/messages', '{"model":"x","max_tokens":1,"messages":[]}', {
    'x-api-key': 'sk-not-a-key',
  });
  assert.equal(anthropic.status, 401);
  const anthropicBody = JSON.parse(anthropic.text);
  assert.equal(anthropicBody.type, 'error');
  assert.equal(anthropicBody.error.type, 'authentication_error');
  const google = await postRaw(gateway.url, '/v1beta/models/gemini-2.5-flash:generateContent?key=bad', '{}');
  assert.equal(google.status, 401);
  const googleBody = JSON.parse(google.text);
  assert.equal(googleBody.error.code, 401);
  assert.equal(typeof googleBody.error.status, 'string');
  // A key given as ?key= on a Gemini-native route is a key like any other.
  const broke = await postRaw(
    gateway.url,
    `/v1beta/models/gemini-2.5-flash:generateContent?key=${brokeKey}`,
    '{}',
  );
  assert.equal(broke.status, 402);
});
