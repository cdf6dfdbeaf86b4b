/**
 * Graceful shutdown (RELIABILITY.md F12): `portico start` as a child process, SIGTERM with live streams.
 * Streams that finish within the drain timeout end normally; the others end with an error event when it
 * is reached. The process exits 0 and the database it leaves has every hold settled.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { createStore } from '../../src/store/index.ts';

const ADMIN_KEY = 'sk-admin-shutdown-test-0123456789';
const REPO = new URL('../../', import.meta.url);
let simulator: Simulator;
let directory: string;

before(async () => {
  simulator = await startSimulator({ port: 0, host: '127.0.0.1' });
  directory = mkdtempSync(join(tmpdir(), 'portico-shutdown-'));
  writeFileSync(
    join(directory, 'portico.yaml'),
    [
      'providers:',
      '  sim:',
      '    type: openai',
      `    base_url: ${simulator.url}/v1`,
      '    api_key: none',
      'models:',
      '  sim-model:',
      '    deployments: [{ provider: sim, model: up-sim }]',
      '    pricing: { input: 1, output: 2 }',
      '',
    ].join('\n'),
  );
});
after(async () => {
  await simulator.close();
  rmSync(directory, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  url: string;
  exit: Promise<number | null>;
  output: string[];
}

async function startPortico(database: string, drainMs: number): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start'], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH,
      PORTICO_CONFIG: join(directory, 'portico.yaml'),
      PORTICO_DATABASE_URL: `sqlite:${join(directory, database)}`,
      PORTICO_PORT: '0',
      PORTICO_HOST: '127.0.0.1',
      PORTICO_ADMIN_KEY: ADMIN_KEY,
      PORTICO_DRAIN_TIMEOUT_MS: String(drainMs),
      PORTICO_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`portico did not start:\n${output.join('')}`)), 30_000);
    child.stderr?.on('data', (chunk: Buffer) => output.push(String(chunk)));
    child.stdout?.on('data', (chunk: Buffer) => {
      output.push(String(chunk));
      buffered += String(chunk);
      const match = /"address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(buffered);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exit.then((code) =>
      reject(new Error(`portico exited (${code}) before listening:\n${output.join('')}`)),
    );
  });
  return { child, url, exit, output };
}

async function admin(url: string, path: string, body: unknown): Promise<any> {
  const response = await fetch(url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return response.json();
}

/** Opens a stream and resolves once its first content arrived; `rest` is the whole text at the end. */
async function openStream(url: string, key: string, marker: string): Promise<{ rest: Promise<string> }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'sim-model',
      stream: true,
      max_tokens: 2000,
      messages: [{ role: 'user', content: `go ${marker}` }],
    }),
  });
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes('"content"')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  const rest = (async () => {
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // the connection closed without a proper end: the assertions on the text will say so
    }
    return text;
  })();
  return { rest };
}

async function setup(running: Running) {
  const account = await admin(running.url, '/admin/accounts', { name: 'drain', credits_usd: 10 });
  const key = await admin(running.url, '/admin/keys', { account_id: account.id });
  return { accountId: account.id as string, key: key.key as string };
}

async function ledgerAfterExit(database: string) {
  const store = await createStore(`sqlite:${join(directory, database)}`);
  try {
    const rows = await store.ledger({});
    const accounts = await store.listAccounts();
    return { rows, accounts };
  } finally {
    await store.close();
  }
}

test('SIGTERM: live streams that finish within the drain timeout end normally; exit 0, all settled', async () => {
  const running = await startPortico('finish.db', 20_000);
  const { key } = await setup(running);
  const streams = await Promise.all(
    [1, 2, 3].map(() => openStream(running.url, key, '[[sim:chunks=15;chunk-delay-ms=20]]')),
  );
  running.child.kill('SIGTERM');
  const texts = await Promise.all(streams.map((stream) => stream.rest));
  for (const text of texts) {
    assert.ok(text.includes('data: [DONE]'), 'finished normally');
    assert.ok(!text.includes('"error"'));
  }
  assert.equal(await running.exit, 0, running.output.join(''));
  const { rows, accounts } = await ledgerAfterExit('finish.db');
  assert.equal(rows.length, 3);
  assert.ok(rows.every((row) => row.state === 'settled' && row.terminalState === 'ok'));
  assert.ok(
    accounts.every((account) => account.heldMicros === 0),
    'no hold left',
  );
});

test('SIGTERM: streams still live at the drain timeout end with an error event; exit 0, all settled', async () => {
  const running = await startPortico('cut.db', 300);
  const { key } = await setup(running);
  simulator.resetAttempts();
  const streams = await Promise.all(
    [1, 2, 3].map(() => openStream(running.url, key, '[[sim:chunks=400;chunk-delay-ms=20]]')),
  );
  running.child.kill('SIGTERM');
  const texts = await Promise.all(streams.map((stream) => stream.rest));
  for (const text of texts) {
    assert.ok(!text.includes('[DONE]'), 'never a clean end after a cut');
    const last = text.trim().split('\n\n').at(-1) ?? '';
    assert.match(last, /^data: \{"error":\{"code":503,/, 'the last event is the error');
  }
  assert.equal(await running.exit, 0, running.output.join(''));
  const { rows, accounts } = await ledgerAfterExit('cut.db');
  assert.equal(rows.length, 3);
  for (const row of rows) {
    assert.equal(row.state, 'settled');
    assert.equal(row.terminalState, 'timeout');
    assert.equal(row.errorCode, 'shutdown_drain_timeout');
    assert.ok(row.tokens.completion > 0, 'what was delivered is billed');
  }
  assert.ok(
    accounts.every((account) => account.heldMicros === 0),
    'no hold left',
  );
  const upstream = simulator.attempts.filter((attempt) => attempt.model === 'up-sim');
  assert.equal(upstream.length, 3);
  assert.ok(
    upstream.every((attempt) => attempt.aborted),
    'the upstream calls were aborted, not left running',
  );
});
