import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSseData } from '../../src/providers/shared/sse-parser.ts';
import {
  parseRetryAfter,
  sanitizeUpstreamMessage,
  upstreamStatusError,
} from '../../src/providers/shared/upstream-error.ts';

async function collect(pieces: Array<string | Buffer>): Promise<string[]> {
  async function* source() {
    for (const piece of pieces) yield typeof piece === 'string' ? Buffer.from(piece) : piece;
  }
  const events: string[] = [];
  for await (const data of parseSseData(source())) events.push(data);
  return events;
}

const STREAM = ': comment\r\ndata: {"a":1}\r\n\r\ndata: {"b":\ndata: "é€😀"}\n\nevent: x\ndata: [DONE]\n\n';

test('SSE: comments, CRLF, multi-line data, UTF-8 split at any byte', async () => {
  const whole = await collect([STREAM]);
  assert.deepEqual(whole, ['{"a":1}', '{"b":\n"é€😀"}', '[DONE]']);
  const bytes = Buffer.from(STREAM);
  for (let cut = 1; cut < bytes.length; cut++) {
    assert.deepEqual(await collect([bytes.subarray(0, cut), bytes.subarray(cut)]), whole, `cut at ${cut}`);
  }
  assert.deepEqual(await collect([...bytes].map((byte) => Buffer.from([byte]))), whole);
});

test('SSE: a last event without its blank line still counts', async () => {
  assert.deepEqual(await collect(['data: {"x":1}\n\ndata: {"y":2}']), ['{"x":1}', '{"y":2}']);
});

test('upstream status mapping', () => {
  const cases: Array<[number, number, string]> = [
    [400, 400, 'invalid_request_error'],
    [401, 502, 'upstream_error'],
    [403, 502, 'upstream_error'],
    [404, 404, 'not_found_error'],
    [429, 429, 'rate_limit_error'],
    [500, 502, 'upstream_error'],
    [502, 502, 'upstream_error'],
    [503, 503, 'service_unavailable_error'],
    [504, 504, 'upstream_error'],
  ];
  for (const [upstream, status, type] of cases) {
    const error = upstreamStatusError(upstream, 'nope', upstream === 429 ? 7 : undefined);
    assert.equal(error.clientError.status, status, String(upstream));
    assert.equal(error.clientError.toBody().error.type, type, String(upstream));
  }
  const limited = upstreamStatusError(429, 'slow down', 7);
  assert.equal(limited.retryAfterSeconds, 7);
  assert.equal(limited.clientError.headers?.['retry-after'], '7');
  assert.equal(limited.unbilled, true);
  assert.equal(upstreamStatusError(400, 'bad').unbilled, false);
});

test('upstream messages lose URLs and keys before a client sees them', () => {
  const message = sanitizeUpstreamMessage(
    'failed at https://internal.example:8443/v1?key=AIzaSyA-1234567890abcdefghijkl with sk-abcdefghijklmnopqrstuvwxyz\r\nnext',
  );
  assert.ok(!message.includes('internal.example'));
  assert.ok(!message.includes('AIza'));
  assert.ok(!message.includes('sk-abcdef'));
  assert.ok(!message.includes('\n'));
});

test('Retry-After: seconds and HTTP dates', () => {
  assert.equal(parseRetryAfter('7'), 7);
  assert.equal(parseRetryAfter('2.1'), 3);
  assert.equal(parseRetryAfter(new Date(Date.now() + 10_000).toUTCString()), 10);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
});

test('unset timeouts keep their defaults', async () => {
  const { DEFAULT_TIMEOUTS, UpstreamClient } = await import('../../src/providers/shared/upstream-client.ts');
  const client = new UpstreamClient('http://127.0.0.1:9/v1', {
    timeouts: { connectMs: undefined, firstByteMs: 1234, idleMs: undefined },
  });
  assert.deepEqual(client.timeouts, { ...DEFAULT_TIMEOUTS, firstByteMs: 1234 });
  await client.close();
});

test('a Retry-After the upstream did not send stays distinguishable from its own', () => {
  const silent = upstreamStatusError(429, 'slow down');
  assert.equal(
    silent.retryAfterSeconds,
    3,
    'the client still gets a short hint, not 30-60 s to sleep through',
  );
  assert.equal(upstreamStatusError(503, 'busy').retryAfterSeconds, 3);
  assert.equal(silent.upstreamRetryAfterSeconds, undefined, 'routing sees that the upstream said nothing');
  const said = upstreamStatusError(503, 'busy', 4);
  assert.equal(said.upstreamRetryAfterSeconds, 4);
});
