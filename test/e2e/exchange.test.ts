/**
 * Regression tests for the exchange (issue 11), each at the ledger: a settle the database refuses after a
 * stream started, answers without usage from both providers (JSON and streams), a slow reader, `n`
 * completions, held media and upstream references, and a JSON client that leaves.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

const MODELS = ['sim-openai', 'gemini-3.5-flash'];

async function chat(gateway: Gateway, key: string, body: Record<string, unknown>, signal?: AbortSignal) {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
}

async function rows(gateway: Gateway, accountId: string): Promise<any[]> {
  return (await gateway.admin('GET', `/admin/usage?account_id=${accountId}`)).body.data;
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  let value = await read();
  for (let tries = 0; tries < 300 && !ok(value); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  assert.ok(ok(value), `${what}: ${JSON.stringify(value)}`);
  return value;
}

describe('answers without usage are estimated, flagged and never free', () => {
  let gateway: Gateway;
  before(async () => {
    gateway = await startGateway();
  });
  after(async () => gateway.close());

  for (const model of MODELS) {
    for (const stream of [false, true]) {
      for (const fault of ['no_usage', 'zero_usage']) {
        test(`${model} ${stream ? 'stream' : 'JSON'} with ${fault}`, async () => {
          const { key, accountId } = await gateway.account(5);
          const response = await chat(gateway, key, {
            model,
            stream,
            max_tokens: 400,
            messages: [{ role: 'user', content: `Tell me about harbours [[sim:${fault};tokens=40]]` }],
          });
          assert.equal(response.status, 200);
          const text = await response.text();
          if (stream) assert.match(text, /data: \[DONE\]/);
          const [row] = await eventually(
            () => rows(gateway, accountId),
            (list) => list.length === 1 && list[0].state === 'settled',
            'one settled row',
          );
          assert.equal(row.terminal_state, 'ok');
          assert.equal(row.usage_estimated, true, 'the row says the usage is Portico’s estimate');
          assert.ok(row.prompt_tokens > 0, 'the prompt is billed');
          assert.ok(row.completion_tokens >= 10, `the delivered text is billed (${row.completion_tokens})`);
          assert.ok(row.cost_micros > 0);
          assert.equal(row.needs_review, false);
        });
      }
    }
  }
});

describe('n completions are held and billed in full', () => {
  let gateway: Gateway;
  before(async () => {
    gateway = await startGateway();
  });
  after(async () => gateway.close());

  test('n: 4 holds four output allowances and charges all four answers', async () => {
    const { key, accountId } = await gateway.account(5);
    const response = await chat(gateway, key, {
      model: 'sim-openai',
      n: 4,
      max_tokens: 30,
      messages: [{ role: 'user', content: 'four versions please [[sim:tokens=30]]' }],
    });
    assert.equal(response.status, 200);
    const body: any = await response.json();
    assert.equal(body.choices.length, 4);
    assert.equal(body.usage.completion_tokens, 120);
    const [row] = await rows(gateway, accountId);
    assert.equal(row.door, 'openai-chat', 'the ledger row names the door');
    assert.equal(row.completion_tokens, 120);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(metrics, /portico_requests_total\{door="openai-chat",model="sim-openai",status="200"\} \d+/);
    assert.equal(row.needs_review, false, 'settle did not have to cap the charge');
    // pricing: input 1, output 2 USD per 1M tokens
    const expected = Math.ceil(row.prompt_tokens * 1 + 120 * 2);
    assert.equal(row.cost_micros, expected);
    assert.ok(row.held_usd * 1_000_000 >= row.cost_micros);
  });

  test('n: 8 with an allowance the balance cannot cover eight times is refused', async () => {
    // $0.001 covers 500 output tokens at $2/1M: one completion of 300 fits, eight do not.
    const { key } = await gateway.account(0.001);
    const one = await chat(gateway, key, {
      model: 'sim-openai',
      max_tokens: 300,
      messages: [{ role: 'user', content: 'x [[sim:tokens=5]]' }],
    });
    assert.equal(one.status, 200);
    await one.text();
    const eight = await chat(gateway, key, {
      model: 'sim-openai',
      n: 8,
      max_tokens: 300,
      messages: [{ role: 'user', content: 'x [[sim:tokens=5]]' }],
    });
    assert.equal(eight.status, 402);
  });
});

describe('a JSON client that leaves', () => {
  let gateway: Gateway;
  before(async () => {
    gateway = await startGateway();
  });
  after(async () => gateway.close());

  for (const model of MODELS) {
    test(`${model}: recorded as client_disconnected 499, the prompt billed as an estimate`, async () => {
      const { key, accountId } = await gateway.account(5);
      const controller = new AbortController();
      const pending = chat(
        gateway,
        key,
        {
          model,
          max_tokens: 100,
          messages: [{ role: 'user', content: 'slow answer [[sim:slow_first_byte=3000]]' }],
        },
        controller.signal,
      ).catch((error: unknown) => error);
      // The request is upstream (the simulator holds its first byte for 3 s) when the client leaves.
      await new Promise((resolve) => setTimeout(resolve, 600));
      controller.abort();
      await pending;
      const [row] = await eventually(
        () => rows(gateway, accountId),
        (list) => list.length === 1 && list[0].state === 'settled',
        'one settled row',
      );
      assert.equal(row.terminal_state, 'client_disconnected');
      assert.equal(row.status, 499);
      assert.equal(row.usage_estimated, true);
      assert.ok(row.prompt_tokens > 0 && row.completion_tokens === 0);
    });
  }
});

describe('a stream whose settle the database refuses', () => {
  let gateway: Gateway;
  let directory: string;
  let file: string;
  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'portico-exchange-'));
    file = join(directory, 'portico.db');
    gateway = await startGateway({ databaseUrl: `sqlite:${file}` });
  });
  after(async () => {
    await gateway.close();
    rmSync(directory, { recursive: true, force: true });
  });

  test('the client gets an error event and the socket closes; the settle is written once the database is back', async () => {
    const { key, accountId } = await gateway.account(5);
    const response = await chat(gateway, key, {
      model: 'gemini-3.5-flash',
      stream: true,
      max_tokens: 500,
      messages: [{ role: 'user', content: 'a story [[sim:chunks=20;chunk-delay-ms=50]]' }],
    });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);
    // Another process takes the database's write lock while the stream runs (RELIABILITY F9).
    const locker = new Database(file);
    locker.exec('BEGIN EXCLUSIVE');
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    const events = text.split('\n\n').filter((event) => event.startsWith('data: '));
    const last = events.at(-1) ?? '';
    assert.doesNotMatch(text, /\[DONE\]/, 'never a clean end');
    const error = JSON.parse(last.slice(6));
    assert.equal(error.error.code, 503);
    const [row] = await eventually(
      () => rows(gateway, accountId),
      (list) => list.length === 1 && list[0].state === 'settled',
      'the journal wrote the settle',
    );
    assert.equal(row.terminal_state, 'ok');
    assert.ok(row.completion_tokens > 0 && row.cost_micros > 0);
    const account = (await gateway.admin('GET', `/admin/accounts/${accountId}`)).body;
    assert.equal(account.held_micros, 0, 'nothing stays held');
    assert.equal(gateway.services.settleJournal.size, 0);
  });
});

describe('a slow reader', () => {
  let gateway: Gateway;
  const responses: ServerResponse[] = [];
  before(async () => {
    gateway = await startGateway({
      server: { sse_write_timeout_ms: 2_000 },
      models: {
        'sim-openai': {
          deployments: [{ provider: 'local', model: 'sim-openai-upstream' }],
          pricing: { input: 1, cached_input: 0.5, output: 2 },
          max_output_tokens: 5_000_000,
        },
      },
    });
    gateway.app.server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
      responses.push(response);
    });
  });
  after(async () => gateway.close());

  test('listener counts stay flat, backpressure reaches the upstream, and a reader that stops is cut off', async () => {
    const { key, accountId } = await gateway.account(20);
    gateway.simulator.resetAttempts();
    const body = JSON.stringify({
      model: 'sim-openai',
      stream: true,
      messages: [{ role: 'user', content: 'a very long text [[sim:chunks=8000;tokens=4000000]]' }],
    });
    const url = new URL(`${gateway.url}/v1/chat/completions`);
    const counts: number[] = [];
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      const request = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        },
        (response) => {
          assert.equal(response.statusCode, 200);
          const server = responses.at(-1) as ServerResponse;
          // Read a little, slowly, several times (each pause fills the socket and makes the writer wait),
          // then stop reading for good: the write deadline must cut the stream.
          let reads = 0;
          response.pause();
          const tick = setInterval(() => {
            if (!server.destroyed) counts.push(server.listenerCount('close') + server.listenerCount('error'));
            if (reads++ < 8) {
              let chunk;
              while ((chunk = response.read(64 * 1024)) !== null) received += chunk.length;
            } else if (server.destroyed) {
              // The gateway cut the stalled stream (a paused client cannot see the close: it reads nothing).
              clearInterval(tick);
              request.destroy();
              resolve();
            }
          }, 300);
          response.on('error', () => undefined);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
    assert.ok(received > 0);
    assert.ok(counts.length >= 6, `sampled while the writer waited (${counts.length})`);
    assert.equal(Math.max(...counts), Math.min(...counts), `listener counts flat: ${counts.join(',')}`);
    const [row] = await eventually(
      () => rows(gateway, accountId),
      (list) => list.length === 1 && list[0].state === 'settled',
      'one settled row',
    );
    const attempt = await gateway.simulator.waitFor((entry) => entry.requestId === row.request_id, 10_000);
    assert.equal(attempt.aborted, true, 'the upstream call was aborted');
    assert.ok(attempt.chunksSent < 8000, `backpressure reached the upstream (${attempt.chunksSent} chunks)`);
    assert.equal(row.terminal_state, 'client_disconnected');
    assert.ok(row.completion_tokens > 0, 'what was delivered is billed');
    assert.equal(gateway.services.sseTicker.size, 0, 'the writer left the keep-alive ticker');
  });
});

describe('upstream model gone, and grounding in the hold', () => {
  let gateway: Gateway;
  before(async () => {
    gateway = await startGateway({
      models: {
        'gemini-retired': {
          deployments: [{ provider: 'google', model: 'gemini-retired-upstream' }],
          pricing: { input: 1, output: 2 },
          fallbacks: ['gemini-current'],
        },
        'gemini-current': {
          deployments: [{ provider: 'google', model: 'gemini-2.5-flash' }],
          pricing: { input: 0.3, output: 2.5, grounding_per_1k: 35 },
        },
      },
    });
  });
  after(async () => gateway.close());

  test('an upstream 404 is the seed’s 404 suggesting a fallback the key may use', async () => {
    const { key } = await gateway.account(5);
    const response = await chat(gateway, key, {
      model: 'gemini-retired',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hello [[sim:status=404]]' }],
    });
    assert.equal(response.status, 404);
    const body: any = await response.json();
    assert.equal(body.error.param, 'model');
    assert.equal(body.error.fallback_suggestion, 'gemini-current');
  });

  test('a grounded request holds the grounding charge', async () => {
    // $0.02 covers the tokens of a short request, not the $0.035 of one grounded request.
    const { key } = await gateway.account(0.02);
    const plain = await chat(gateway, key, {
      model: 'gemini-current',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'weather in Lisbon' }],
    });
    assert.equal(plain.status, 200);
    await plain.text();
    const grounded = await chat(gateway, key, {
      model: 'gemini-current',
      max_tokens: 20,
      web_search_options: {},
      messages: [{ role: 'user', content: 'weather in Lisbon' }],
    });
    assert.equal(grounded.status, 402);
  });
});
