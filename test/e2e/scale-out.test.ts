/**
 * Three Portico processes on one PostgreSQL and one Redis (issue 6): the credit race and the RPM limit
 * hold across processes. Skips, and says so, without the local PostgreSQL and Redis (fails under CI).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { freePort, startChildGateway, type ChildGateway } from '../helpers/child-gateway.ts';
import { postgres, redis } from '../helpers/requirements.ts';

const { url: POSTGRES, skip: postgresSkip } = await postgres();
const { url: REDIS, skip: redisSkip } = await redis();
const skip = postgresSkip || redisSkip;
const ADMIN = 'sk-admin-scale-out-0123456789';
const schema = `portico_scale_${Math.random().toString(36).slice(2, 10)}`;

let simulator: Simulator;
let dir: string;
const gateways: ChildGateway[] = [];

async function admin(path: string, body: unknown): Promise<any> {
  const response = await fetch(`${gateways[0]!.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.json();
}

function chat(index: number, key: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${gateways[index % gateways.length]!.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

before(async () => {
  if (skip) return;
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  simulator = await startSimulator({ port: 0 });
  dir = mkdtempSync(join(tmpdir(), 'portico-scale-'));
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
  const env = {
    PORTICO_CONFIG: config,
    PORTICO_DATABASE_URL: `${POSTGRES}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    PORTICO_REDIS_URL: REDIS!,
    PORTICO_ADMIN_KEY: ADMIN,
    PORTICO_INSTANCES: '3',
  };
  // One at a time: the first process migrates the schema, the others find it ready.
  for (let index = 0; index < 3; index++) gateways.push(await startChildGateway(env, await freePort()));
});

after(async () => {
  for (const gateway of gateways) {
    gateway.process.kill('SIGKILL');
    await gateway.exited;
  }
  if (skip) return;
  await simulator.close();
  rmSync(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  await client.query(`DROP SCHEMA ${schema} CASCADE`);
  await client.end();
});

test('the credit race across three processes: balance for exactly one request', { skip }, async () => {
  const body = { model: 'sim-openai', messages: [{ role: 'user', content: 'race' }], max_tokens: 1000 };
  const probe = await admin('/admin/accounts', { name: 'probe', credits_usd: 100 });
  const probeKey = await admin('/admin/keys', { account_id: probe.id });
  assert.equal((await chat(1, probeKey.key, body)).status, 200);
  const usage = await fetch(`${gateways[2]!.url}/admin/usage?account_id=${probe.id}`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  const maxCost = Math.round(((await usage.json()) as any).data[0].held_usd * 1_000_000);
  const start = Math.floor(maxCost * 1.5);
  const account = await admin('/admin/accounts', { name: 'race', credits_usd: start / 1_000_000 });
  const { key } = await admin('/admin/keys', { account_id: account.id });
  // The upstream answers slowly, so all 200 holds race while the first one is still held.
  const slow = { ...body, messages: [{ role: 'user', content: 'race [[sim:slow_first_byte=5000]]' }] };
  const responses = await Promise.all(Array.from({ length: 200 }, (_, index) => chat(index, key, slow)));
  const statuses = responses.map((response) => response.status);
  await Promise.all(responses.map((response) => response.arrayBuffer()));
  assert.equal(statuses.filter((status) => status === 200).length, 1, statuses.join(','));
  assert.equal(statuses.filter((status) => status === 402).length, 199);
  const after = (await (
    await fetch(`${gateways[1]!.url}/admin/accounts/${account.id}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    })
  ).json()) as any;
  assert.equal(after.held_micros, 0);
  assert.ok(after.balance_micros >= 0 && after.balance_micros < start);
});

test('RPM holds across three processes sharing Redis', { skip }, async () => {
  const account = await admin('/admin/accounts', { name: 'rpm', credits_usd: 100 });
  const { key } = await admin('/admin/keys', { account_id: account.id, rpm: 30 });
  const body = { model: 'sim-openai', messages: [{ role: 'user', content: 'x' }], max_tokens: 5 };
  // 120 requests = 4x the limit, spread over the three processes.
  const responses = await Promise.all(Array.from({ length: 120 }, (_, index) => chat(index, key, body)));
  const statuses = responses.map((response) => response.status);
  await Promise.all(responses.map((response) => response.arrayBuffer()));
  const admitted = statuses.filter((status) => status === 200).length;
  assert.ok(admitted >= 1 && admitted <= 30, `admitted ${admitted}: ${statuses.join(',')}`);
  assert.equal(statuses.filter((status) => status === 429 || status === 503).length, 120 - admitted);
});

test('a key revoked on one process is refused by the others within seconds', { skip }, async () => {
  const account = await admin('/admin/accounts', { name: 'revoke', credits_usd: 5 });
  const created = await admin('/admin/keys', { account_id: account.id });
  const body = { model: 'sim-openai', messages: [{ role: 'user', content: 'x' }], max_tokens: 5 };
  for (let index = 0; index < 3; index++) assert.equal((await chat(index, created.key, body)).status, 200);
  const revoked = await fetch(`${gateways[0]!.url}/admin/keys/${created.id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  assert.equal(revoked.status, 200);
  // Every process refuses it once its key cache entry (at most a few seconds old) is re-checked.
  for (let index = 1; index < 3; index++) {
    let status = 200;
    for (let tries = 0; tries < 100 && status !== 401; tries++) {
      const response = await chat(index, created.key, body);
      status = response.status;
      await response.arrayBuffer();
      if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(status, 401, `process ${index} refuses the revoked key`);
  }
});
