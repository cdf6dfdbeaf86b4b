/**
 * Issue 17, Medium 10 (RELIABILITY F10, D7): three instances share RPM 30 through Redis; Redis freezes
 * (a stalling TCP proxy: commands time out, and Redis may still run them later). Before the fix each
 * instance admitted its full share (limit / 3) on top of what the cluster had already used, 40 and more
 * admissions in one window. With the outage budget they keep to their share of what was left.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRedisLimiter, type RedisLimiter } from '../../src/limits/redis-limiter.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const REDIS_URL = process.env.PORTICO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RPM = 30;

let proxy: TcpProxy;
let limiters: RedisLimiter[];

before(async () => {
  const target = new URL(REDIS_URL);
  proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
  const url = `redis://127.0.0.1:${proxy.port}`;
  const keyPrefix = `portico-test:${randomUUID()}:`;
  limiters = [0, 1, 2].map(() =>
    createRedisLimiter({ url, keyPrefix, instances: 3, probeIntervalMs: 60_000 }),
  );
});
after(async () => {
  proxy.up();
  await Promise.all(limiters.map((limiter) => limiter.close()));
  await proxy.close();
});

const subject = [{ id: 'key:shared', spec: { rpm: RPM } }];

async function admitMany(limiter: RedisLimiter, count: number): Promise<number> {
  let admitted = 0;
  for (let index = 0; index < count; index++) {
    const { decision, ticket } = await limiter.admit(subject, 0);
    if (decision.allowed) admitted++;
    await ticket?.release(0);
  }
  return admitted;
}

test('a frozen Redis: the instances together stay within the limit (plus at most one each)', async () => {
  const [a, b, c] = limiters as [RedisLimiter, RedisLimiter, RedisLimiter];
  // Uneven use through Redis: A 20, B 5, C 5; the window is full.
  assert.equal(await admitMany(a, 20), 20);
  assert.equal(await admitMany(b, 5), 5);
  assert.equal(await admitMany(c, 5), 5);
  assert.ok(a.status().healthy && b.status().healthy && c.status().healthy);
  proxy.stall();
  const during = await Promise.all([admitMany(a, 15), admitMany(b, 15), admitMany(c, 15)]);
  assert.ok(!a.status().healthy && !b.status().healthy && !c.status().healthy, 'all fell back');
  const total = 30 + during.reduce((sum, count) => sum + count, 0);
  assert.ok(total <= RPM + limiters.length, `admitted ${total} in one window at RPM ${RPM}: ${during}`);
});
