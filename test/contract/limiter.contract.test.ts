/**
 * One limiter contract, run against every backend: memory always, Redis when PORTICO_TEST_REDIS_URL is
 * set. Each test uses its own random key prefix and deletes its keys afterwards.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import {
  createMemoryLimiter,
  createRedisLimiter,
  type AdmissionTicket,
  type AdmitSubject,
  type LimitDecision,
  type Limiter,
} from '../../src/limits/index.ts';

const redisUrl = process.env.PORTICO_TEST_REDIS_URL;

interface Backend {
  name: string;
  skip: string | false;
  /** Instances made with the same prefix share their state (as separate processes would). */
  shared: boolean;
  create(prefix: string): Limiter;
  cleanup(prefix: string): Promise<void>;
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
  } finally {
    client.disconnect();
  }
}

const backends: Backend[] = [
  {
    name: 'memory',
    skip: false,
    shared: false,
    create: () => createMemoryLimiter(),
    cleanup: async () => undefined,
  },
  {
    name: 'redis',
    skip: redisUrl ? false : 'PORTICO_TEST_REDIS_URL not set',
    shared: true,
    create: (prefix) => createRedisLimiter({ url: redisUrl ?? '', keyPrefix: prefix }),
    cleanup: (prefix) => deleteKeys(redisUrl ?? '', prefix),
  },
];

/** Runs `body` with limiters on a fresh prefix, then closes them and deletes the prefix's keys. */
async function withLimiters(backend: Backend, body: (make: () => Limiter) => Promise<void>): Promise<void> {
  const prefix = `portico-test:${randomUUID()}:`;
  const made: Limiter[] = [];
  try {
    await body(() => {
      const limiter = backend.create(prefix);
      made.push(limiter);
      return limiter;
    });
  } finally {
    await Promise.all(made.map((limiter) => limiter.close()));
    await backend.cleanup(prefix);
  }
}

function subject(id: string, spec: AdmitSubject['spec']): AdmitSubject {
  return { id, spec };
}

async function admitted(limiter: Limiter, subjects: AdmitSubject[], tokens = 1): Promise<AdmissionTicket> {
  const { decision, ticket } = await limiter.admit(subjects, tokens);
  assert.equal(decision.allowed, true, `expected admission, got ${JSON.stringify(decision)}`);
  assert.ok(ticket);
  return ticket;
}

async function refused(limiter: Limiter, subjects: AdmitSubject[], tokens = 1): Promise<LimitDecision> {
  const { decision, ticket } = await limiter.admit(subjects, tokens);
  assert.equal(decision.allowed, false, `expected refusal, got ${JSON.stringify(decision)}`);
  assert.equal(ticket, undefined);
  assert.ok(decision.retryAfterSeconds !== undefined && decision.retryAfterSeconds >= 1);
  assert.ok(Number.isInteger(decision.retryAfterSeconds));
  return decision;
}

for (const backend of backends) {
  describe(`limiter contract: ${backend.name}`, { skip: backend.skip }, () => {
    test('1,000 concurrent requests at RPM=60 admit exactly 60; refusals carry Retry-After and headers', () =>
      withLimiters(backend, async (make) => {
        const limiter = make();
        const spec = { rpm: 60 };
        const results = await Promise.all(
          Array.from({ length: 1000 }, () => limiter.admit([subject('key:burst', spec)], 10)),
        );
        const allowed = results.filter((result) => result.decision.allowed);
        assert.equal(allowed.length, 60, 'the sliding window has no burst allowance');
        assert.deepEqual(limiter.status(), { healthy: true });
        for (const { decision } of allowed) {
          assert.equal(decision.headers['x-ratelimit-limit-requests'], '60');
          assert.match(decision.headers['x-ratelimit-reset-requests'] ?? '', /^(\d+s|1m\d+s)$/);
        }
        for (const { decision, ticket } of results.filter((result) => !result.decision.allowed)) {
          assert.equal(ticket, undefined);
          assert.equal(decision.reason, 'requests');
          assert.ok(decision.retryAfterSeconds !== undefined);
          assert.ok(decision.retryAfterSeconds >= 1 && decision.retryAfterSeconds <= 61);
          assert.equal(decision.headers['x-ratelimit-limit-requests'], '60');
          assert.equal(decision.headers['x-ratelimit-remaining-requests'], '0');
          assert.ok(decision.headers['x-ratelimit-reset-requests']);
        }
      }));

    test('TPM consumes the estimate and release corrects it (refund lets more in, overrun charges)', () =>
      withLimiters(backend, async (make) => {
        const limiter = make();
        const key = [subject('key:tokens', { tpm: 1000 })];
        const first = await admitted(limiter, key, 400);
        const second = await admitted(limiter, key, 400);
        const refusal = await refused(limiter, key, 400);
        assert.equal(refusal.reason, 'tokens');
        assert.equal(refusal.headers['x-ratelimit-limit-tokens'], '1000');
        assert.equal(refusal.headers['x-ratelimit-remaining-tokens'], '200');
        await first.release(100); // 300 back
        const { decision } = await limiter.admit(key, 400);
        assert.equal(decision.allowed, true);
        assert.equal(decision.headers['x-ratelimit-remaining-tokens'], '100');
        await second.release(600); // 200 more than estimated: 1,100 used
        await first.release(0); // idempotent: no second refund
        const overrun = await refused(limiter, key, 1);
        assert.equal(overrun.headers['x-ratelimit-remaining-tokens'], '0');
      }));

    test('a request larger than the whole TPM is refused', () =>
      withLimiters(backend, async (make) => {
        const decision = await refused(make(), [subject('key:huge', { tpm: 100 })], 101);
        assert.equal(decision.reason, 'tokens');
      }));

    test('the concurrency cap holds until a ticket is released; release is idempotent', () =>
      withLimiters(backend, async (make) => {
        const limiter = make();
        const key = [subject('key:flight', { maxConcurrency: 2 })];
        const first = await admitted(limiter, key);
        await admitted(limiter, key);
        const refusal = await refused(limiter, key);
        assert.equal(refusal.reason, 'concurrency');
        assert.equal(refusal.headers['x-ratelimit-remaining-concurrency'], '0');
        await first.release(1);
        await first.release(1);
        await admitted(limiter, key);
        await refused(limiter, key);
      }));

    test('all or nothing: a refusing account leaves nothing consumed on the key', () =>
      withLimiters(backend, async (make) => {
        const limiter = make();
        const key = subject('key:k1', { rpm: 10, tpm: 10_000, maxConcurrency: 10 });
        const account = subject('account:a1', { rpm: 2 });
        await admitted(limiter, [key, account], 100);
        await admitted(limiter, [key, account], 100);
        const refusal = await refused(limiter, [key, account], 100);
        assert.equal(refusal.reason, 'requests');
        assert.equal(
          refusal.headers['x-ratelimit-limit-requests'],
          '2',
          'the most restrictive subject speaks',
        );
        assert.equal(refusal.headers['x-ratelimit-remaining-tokens'], '9800');
        for (let index = 0; index < 8; index++) await admitted(limiter, [key], 100);
        await refused(limiter, [key], 100);

        const slotKey = subject('key:k2', { maxConcurrency: 3 });
        const slotAccount = subject('account:a2', { maxConcurrency: 1 });
        await admitted(limiter, [slotKey, slotAccount]);
        assert.equal((await refused(limiter, [slotKey, slotAccount])).reason, 'concurrency');
        await admitted(limiter, [slotKey]);
        await admitted(limiter, [slotKey]);
        await refused(limiter, [slotKey]);
      }));

    test('unlimited subjects are admitted with a ticket and no headers', () =>
      withLimiters(backend, async (make) => {
        const { decision, ticket } = await make().admit([subject('key:free', { rpm: null, tpm: null })], 5);
        assert.deepEqual(decision, { allowed: true, headers: {} });
        assert.ok(ticket);
        await ticket.release(5);
      }));

    test(
      'two instances on one prefix enforce one shared limit',
      { skip: backend.shared ? false : 'each memory limiter is its own process' },
      () =>
        withLimiters(backend, async (make) => {
          const one = make();
          const two = make();
          const spec = { rpm: 60, maxConcurrency: 100 };
          const results = await Promise.all(
            Array.from({ length: 1000 }, (_, index) =>
              (index % 2 ? one : two).admit([subject('key:s', spec)], 1),
            ),
          );
          assert.equal(results.filter((result) => result.decision.allowed).length, 60);
          const slot = [subject('key:slot', { maxConcurrency: 1 })];
          const ticket = await admitted(one, slot);
          await refused(two, slot);
          await ticket.release(1);
          await admitted(two, slot);
        }),
    );
  });
}
