/**
 * `portico start --workers N` (issue 15): refused on SQLite with a message naming PostgreSQL; on
 * PostgreSQL and Redis, two workers share one port, both serve requests (their ledger rows carry two
 * process ids), an RPM limit holds across them, and SIGTERM to the primary stops everything with exit 0.
 * The PostgreSQL/Redis part skips, and says so, without them (fails under CI).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { freePort } from '../helpers/child-gateway.ts';
import { postgres, redis } from '../helpers/requirements.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { url: POSTGRES, skip: postgresSkip } = await postgres();
const { url: REDIS, skip: redisSkip } = await redis();
const skip = postgresSkip || redisSkip;
const ADMIN = 'sk-admin-workers-0123456789';
const schema = `portico_workers_${Math.random().toString(36).slice(2, 10)}`;

interface Started {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

function spawnStart(args: string[], env: Record<string, string>): Started {
  const output: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start', ...args], {
    cwd: ROOT,
    env: { ...process.env, PORTICO_HOST: '127.0.0.1', PORTICO_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(String(chunk)));
  child.stderr?.on('data', (chunk: Buffer) => output.push(String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}

/** PIDs of a process's children, from /proc. */
function childPids(pid: number): number[] {
  const path = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

let simulator: Simulator;
let dir: string;
let url: string;
let primary: Started | undefined;

async function admin(path: string, body: unknown): Promise<any> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.json();
}

function chat(key: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify(body),
  });
}

test('--workers 2 on SQLite is refused with a message naming PostgreSQL', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'portico-workers-sqlite-'));
  try {
    const started = spawnStart(['--workers', '2'], {
      PORTICO_PORT: String(await freePort()),
      PORTICO_DATABASE_URL: `sqlite:${join(directory, 'p.db')}`,
      PORTICO_CONFIG: '',
    });
    assert.equal(await started.exited, 1);
    assert.match(started.output.join(''), /--workers 2 needs PostgreSQL/);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

before(async () => {
  if (skip) return;
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  simulator = await startSimulator({ port: 0 });
  dir = mkdtempSync(join(tmpdir(), 'portico-workers-'));
  const config = join(dir, 'portico.yaml');
  writeFileSync(
    config,
    `providers:
  local: { type: openai, base_url: "${simulator.url}/v1", api_key: x }
models:
  sim-openai: { deployments: [{ provider: local, model: sim }], pricing: { input: 1, output: 2 }, max_output_tokens: 2048 }
`,
  );
  const separator = POSTGRES!.includes('?') ? '&' : '?';
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  primary = spawnStart(['--workers', '2'], {
    PORTICO_PORT: String(port),
    PORTICO_CONFIG: config,
    PORTICO_DATABASE_URL: `${POSTGRES}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    PORTICO_REDIS_URL: REDIS!,
    PORTICO_ADMIN_KEY: ADMIN,
    PORTICO_LOG_LEVEL: 'info',
  });
  // Both workers listening: each logs it once (at info level).
  for (let tries = 0; tries < 600; tries++) {
    if (primary.child.exitCode !== null) throw new Error(`primary exited: ${primary.output.join('')}`);
    if (primary.output.join('').split('portico worker listening').length === 3) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`workers did not start: ${primary.output.join('')}`);
});

after(async () => {
  if (primary && primary.child.exitCode === null) {
    for (const pid of childPids(primary.child.pid!)) process.kill(pid, 'SIGKILL');
    primary.child.kill('SIGKILL');
    await primary.exited;
  }
  if (skip) return;
  await simulator.close();
  rmSync(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  await client.query(`DROP SCHEMA ${schema} CASCADE`);
  await client.end();
});

test('two workers share the port and both serve requests', { skip }, async () => {
  const account = await admin('/admin/accounts', { name: 'w', credits_usd: 100 });
  const { key } = await admin('/admin/keys', { account_id: account.id });
  const body = { model: 'sim-openai', messages: [{ role: 'user', content: 'x' }], max_tokens: 5 };
  // One at a time, a new connection each: the primary hands connections to the workers in turn.
  for (let index = 0; index < 10; index++) {
    const response = await chat(key, body);
    const text = await response.text();
    assert.equal(response.status, 200, text);
  }
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  try {
    const rows = await client.query(
      `SELECT DISTINCT process_id FROM ${schema}.ledger WHERE account_id = $1 AND state <> 'held'`,
      [account.id],
    );
    const workers = childPids(primary!.child.pid!);
    assert.equal(rows.rows.length, 2, JSON.stringify(rows.rows));
    for (const row of rows.rows as { process_id: string }[]) {
      const pid = Number(row.process_id.split(':')[1]);
      assert.ok(workers.includes(pid), `${row.process_id} is not one of the workers ${workers.join(',')}`);
    }
  } finally {
    await client.end();
  }
});

test('an RPM limit holds across the workers (shared Redis)', { skip }, async () => {
  const account = await admin('/admin/accounts', { name: 'rpm', credits_usd: 100 });
  const { key } = await admin('/admin/keys', { account_id: account.id, rpm: 20 });
  const body = { model: 'sim-openai', messages: [{ role: 'user', content: 'x' }], max_tokens: 5 };
  const responses = await Promise.all(Array.from({ length: 60 }, () => chat(key, body)));
  const statuses = responses.map((response) => response.status);
  await Promise.all(responses.map((response) => response.arrayBuffer()));
  const admitted = statuses.filter((status) => status === 200).length;
  assert.ok(admitted >= 1 && admitted <= 20, `admitted ${admitted}: ${statuses.join(',')}`);
  // The rest are refused: 429 over the limit, or 503 when a loaded machine makes a worker shed load.
  assert.equal(statuses.filter((status) => status === 429 || status === 503).length, 60 - admitted);
});

test('SIGTERM to the primary drains every worker and exits 0', { skip }, async () => {
  const workers = childPids(primary!.child.pid!);
  assert.equal(workers.length, 2);
  primary!.child.kill('SIGTERM');
  assert.equal(await primary!.exited, 0, primary!.output.join(''));
  for (const pid of workers) assert.equal(existsSync(`/proc/${pid}`), false, `worker ${pid} still runs`);
});
