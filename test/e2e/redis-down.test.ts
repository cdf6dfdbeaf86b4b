/**
 * Redis frozen under load (issue 6, RELIABILITY F10): every limiter call is bounded, the gateway keeps
 * serving within each instance's share of the limit, `/ready` says the limiter is degraded, and it
 * recovers by itself. Redis is frozen through a TCP proxy that stops forwarding, like SIGSTOP, without
 * touching the shared server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { redis } from '../helpers/requirements.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const { url: REDIS, skip } = await redis();
let proxy: TcpProxy;
let gateway: Gateway;
let key: string;

before(async () => {
  if (skip) return;
  const target = new URL(REDIS!);
  proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
  gateway = await startGateway({ redisUrl: `redis://127.0.0.1:${proxy.port}` });
  ({ key } = await gateway.account(10, { rpm: 1000 }));
});

after(async () => {
  if (skip) return;
  await gateway.close();
  await proxy.close();
});

async function chat(): Promise<number> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-openai', messages: [{ role: 'user', content: 'x' }], max_tokens: 10 }),
  });
  await response.arrayBuffer();
  return response.status;
}

test(
  'Redis frozen: requests keep flowing on the local share, /ready degraded, then recovery',
  { skip, timeout: 60_000 },
  async () => {
    assert.equal(await chat(), 200);
    assert.equal(gateway.services.limiter.status().healthy, true);
    proxy.stall();
    const statuses = await Promise.all(Array.from({ length: 10 }, () => chat()));
    assert.deepEqual(statuses, Array(10).fill(200), 'served on the local share while Redis is frozen');
    const ready = (await (await fetch(`${gateway.url}/ready`)).json()) as any;
    assert.ok(ready.checks.limiter.detail, 'the limiter reports degraded');
    assert.equal(gateway.services.limiter.status().healthy, false);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(metrics, /portico_limiter_degraded 1/);

    proxy.up();
    let healthy = false;
    for (let tries = 0; tries < 100 && !healthy; tries++) {
      await chat();
      healthy = gateway.services.limiter.status().healthy;
      if (!healthy) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(healthy, true, 'the limiter went back to Redis by itself');
  },
);
