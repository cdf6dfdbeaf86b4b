/**
 * Issue 17, Medium 9 and Lows: an oversized body gets its 413 with a lingering close, so a real SDK
 * reports the 413 (not EPIPE); Node's own parser errors (400, 431) come in the seed's error format; a
 * client that aborts mid-body is not logged as an error (and never as "database unavailable").
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import OpenAI from 'openai';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

let gateway: Gateway;
let key: string;

before(async () => {
  gateway = await startGateway({ server: { max_body_mb: 1 } });
  ({ key } = await gateway.account(10));
});
after(async () => gateway.close());

/**
 * Sends a request; when `keepSending` is given, the client keeps writing it and reads nothing until it
 * has finished (as an SDK writing a large body does), then reads the answer.
 */
function rawExchange(request: string | Buffer, keepSending?: Buffer): Promise<string> {
  const url = new URL(gateway.url);
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(request);
      if (!keepSending) return;
      socket.pause();
      let offset = 0;
      const writeMore = (): void => {
        while (offset < keepSending.length) {
          const piece = keepSending.subarray(offset, offset + 64 * 1024);
          offset += piece.length;
          if (!socket.write(piece)) return void socket.once('drain', writeMore);
        }
        setTimeout(() => socket.resume(), 200);
      };
      writeMore();
    });
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', (error: NodeJS.ErrnoException) => (text += `[${error.code}]`));
    socket.on('close', () => resolve(text));
    setTimeout(() => socket.destroy(), 10_000).unref();
  });
}

test('the openai SDK sees the 413 for an oversized body, not a broken connection', async () => {
  const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  const huge = 'x'.repeat(8 * 1024 * 1024);
  await assert.rejects(
    client.chat.completions.create({ model: 'sim-openai', messages: [{ role: 'user', content: huge }] }),
    (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.equal(error.status, 413);
      assert.equal((error.error as any)?.type ?? (error as any).type, 'request_too_large');
      return true;
    },
  );
  // And the gateway still serves.
  const ok = await client.chat.completions.create({
    model: 'sim-openai',
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.ok(ok.choices[0]);
});

test('a chunked body that lies past the limit: 413 read by a client still sending', async () => {
  const head =
    'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    `Authorization: Bearer ${key}\r\nTransfer-Encoding: chunked\r\n\r\n`;
  const chunk = Buffer.from(`100000\r\n${'x'.repeat(0x100000)}\r\n`);
  const answer = await rawExchange(head, Buffer.concat(Array.from({ length: 16 }, () => chunk)));
  assert.match(answer, /^HTTP\/1\.1 413 /);
  assert.match(answer, /"type":"request_too_large"/);
});

test("Node's own 400 and 431 answers are in the seed's error format", async () => {
  const malformed = await rawExchange('GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n');
  assert.match(malformed, /^HTTP\/1\.1 400 /);
  assert.match(malformed, /"type":"invalid_request_error"/);
  const huge = await rawExchange(
    `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
  );
  assert.match(huge, /^HTTP\/1\.1 431 /);
  assert.match(huge, /"type":"request_too_large"/);
});

test('a client aborting mid-body is not logged as an error', async () => {
  const before = gateway.logs.length;
  const url = new URL(gateway.url);
  for (let index = 0; index < 5; index++) {
    await new Promise<void>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
            `Authorization: Bearer ${key}\r\nContent-Length: 5000\r\n\r\n{"model":`,
        );
        setTimeout(() => {
          socket.resetAndDestroy();
          resolve();
        }, 50);
      });
      socket.on('error', () => undefined);
    });
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  const lines = gateway.logs.slice(before).map((line) => JSON.parse(line) as { level: number; msg?: string });
  assert.deepEqual(
    lines.filter((line) => line.level >= 50),
    [],
    'error-level log lines for client aborts',
  );
  assert.ok(!lines.some((line) => /database/i.test(line.msg ?? '')));
});
