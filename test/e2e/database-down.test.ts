/**
 * PostgreSQL unreachable under load (issue 6, RELIABILITY F9): paid requests fail closed with 503 in the
 * seed's format, `/ready` says why, and service resumes by itself when the database is back. The
 * database is cut with a TCP proxy, never by stopping the shared server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { postgres } from '../helpers/requirements.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const { url: POSTGRES, skip } = await postgres();
const schema = `portico_down_${Math.random().toString(36).slice(2, 10)}`;
let proxy: TcpProxy;
let gateway: Gateway;
let key: string;

before(async () => {
  if (skip) return;
  const target = new URL(POSTGRES!);
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const proxied = new URL(POSTGRES!);
  proxied.host = `127.0.0.1:${proxy.port}`;
  proxied.searchParams.set('options', `-c search_path=${schema}`);
  gateway = await startGateway({ databaseUrl: proxied.toString() });
  ({ key } = await gateway.account(10));
});

after(async () => {
  if (skip) return;
  await gateway.close();
  await proxy.close();
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  await client.query(`DROP SCHEMA ${schema} CASCADE`);
  await client.end();
});

function chat(): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-openai', messages: [{ role: 'user', content: 'x' }], max_tokens: 10 }),
  });
}

test(
  'database down: 503 in the seed format, /ready says why, then service resumes',
  { skip, timeout: 60_000 },
  async () => {
    assert.equal((await chat()).status, 200);
    gateway.simulator.resetAttempts();
    proxy.down();
    const responses = await Promise.all(Array.from({ length: 20 }, () => chat()));
    for (const response of responses) {
      assert.equal(response.status, 503);
      const body = (await response.json()) as any;
      assert.equal(body.error.type, 'service_unavailable_error');
      assert.ok(Number(response.headers.get('retry-after')) >= 1);
    }
    assert.equal(gateway.simulator.attempts.length, 0, 'nothing was sent upstream unpaid');
    const ready = await fetch(`${gateway.url}/ready`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as any).checks.database.ok, false);

    proxy.up();
    let status = 0;
    for (let tries = 0; tries < 100 && status !== 200; tries++) {
      const response = await chat();
      status = response.status;
      await response.arrayBuffer();
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(status, 200, 'service resumed by itself');
    assert.equal((await fetch(`${gateway.url}/ready`)).status, 200);
  },
);
