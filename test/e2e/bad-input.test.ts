/**
 * Bad input always gets a clear 4xx in the seed's format, and the server keeps serving (RELIABILITY B1–B5).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

let gateway: Gateway;
let key: string;

before(async () => {
  gateway = await startGateway({ server: { max_body_mb: 16 } });
  ({ key } = await gateway.account(10));
});
after(async () => gateway.close());

function post(
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${gateway.url}/v1/chat/completions`);
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: response.statusCode ?? 0, body: JSON.parse(text), headers: response.headers });
          } catch {
            resolve({ status: response.statusCode ?? 0, body: text, headers: response.headers });
          }
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function stillServing(): Promise<void> {
  const response = await post(
    JSON.stringify({ model: 'sim-openai', messages: [{ role: 'user', content: 'still there?' }] }),
  );
  assert.equal(response.status, 200);
}

function assertSeedError(
  response: { status: number; body: any },
  status: number,
  type = 'invalid_request_error',
): void {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.equal(response.body.error.code, status);
  assert.equal(response.body.error.type, type);
  assert.equal(typeof response.body.error.message, 'string');
}

test('malformed JSON', async () => {
  assertSeedError(await post('{"model": "sim-openai", "messages": ['), 400);
  await stillServing();
});

test('wrong types name the param', async () => {
  const cases: Array<[unknown, string]> = [
    [{ model: 'sim-openai', messages: 'hello' }, 'messages'],
    [{ model: 'sim-openai', messages: [{ role: 'user', content: 'x' }], max_tokens: '100' }, 'max_tokens'],
    [{ model: 'sim-openai', messages: [{ role: 'user', content: 'x' }], n: 0 }, 'n'],
    [{ model: 42, messages: [{ role: 'user', content: 'x' }] }, 'model'],
    [{ model: 'sim-openai', messages: [] }, 'messages'],
  ];
  for (const [body, param] of cases) {
    const response = await post(JSON.stringify(body));
    assertSeedError(response, 400);
    assert.ok(
      String(response.body.error.param).startsWith(param),
      `${param}: ${JSON.stringify(response.body)}`,
    );
  }
  await stillServing();
});

test('a 20 MB body is a 413', async () => {
  const big = JSON.stringify({
    model: 'sim-openai',
    messages: [{ role: 'user', content: 'x'.repeat(20 * 1024 * 1024) }],
  });
  const response = await post(big).catch((error: NodeJS.ErrnoException) => {
    // The server may answer 413 and close before the whole body was written.
    if (error.code === 'EPIPE' || error.code === 'ECONNRESET') return undefined;
    throw error;
  });
  if (response) assertSeedError(response, 413, 'request_too_large');
  await stillServing();
});

test('deeply nested JSON', async () => {
  const deep =
    '{"model":"sim-openai","messages":[{"role":"user","content":"x"}],"metadata":' +
    '['.repeat(100_000) +
    ']'.repeat(100_000) +
    '}';
  const response = await post(deep);
  assertSeedError(response, 400);
  await stillServing();
});

test('invalid UTF-8 and lone surrogates', async () => {
  const invalid = Buffer.concat([
    Buffer.from('{"model":"sim-openai","messages":[{"role":"user","content":"'),
    Buffer.from([0xc3, 0x28]),
    Buffer.from('"}]}'),
  ]);
  assertSeedError(await post(invalid), 400);
  assertSeedError(await post('{"model":"sim-openai","messages":[{"role":"user","content":"\\ud800"}]}'), 400);
  await stillServing();
});

test('another content type is refused in the seed format', async () => {
  const response = await post('model=x', { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(response.status, 415);
  assert.equal(response.body.error.type, 'invalid_request_error');
  await stillServing();
});

test('unknown fields are never forwarded upstream', async () => {
  gateway.simulator.resetAttempts();
  const response = await post(
    JSON.stringify({
      model: 'sim-openai',
      messages: [{ role: 'user', content: 'x' }],
      api_base: 'http://evil',
      extra_headers: { a: 'b' },
      user: 'u1',
    }),
  );
  assert.equal(response.status, 200);
  const attempt = gateway.simulator.attempts.at(-1);
  assert.ok(attempt);
  const sent = attempt.body as Record<string, unknown>;
  assert.equal(sent.api_base, undefined);
  assert.equal(sent.extra_headers, undefined);
  assert.equal(sent.user, undefined);
  assert.equal(sent.model, 'sim-openai-upstream');
});

test('an unknown route is a 404 in the seed format', async () => {
  const response = await fetch(`${gateway.url}/v1/nope`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(response.status, 404);
  const body = (await response.json()) as any;
  assert.equal(body.error.type, 'not_found_error');
  assert.ok(response.headers.get('x-request-id'));
});
