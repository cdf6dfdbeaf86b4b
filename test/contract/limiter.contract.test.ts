/**
 * One limiter contract, run against every backend: memory always, Redis when PORTICO_TEST_REDIS_URL is
 * set. Each test uses its own random key prefix and deletes its keys afterwards.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe } from 'node:test';
import { Redis } from 'ioredis';
import {
  createMemoryLimiter,
  createRedisLimiter,
  type AdmissionTicket,
  type AdmitSubject,
  type LimitDecision,
  type Limiter,
} from '../../src/limits/index.ts';
import { redis, required, testsSkippedWhen } from '../helpers/requirements.ts';

const { url: redisUrl, skip: redisSkip } = await redis();
const haveRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

interface Backend {
  name: string;
  skip: string | false;
  /** Instances made with the same prefix share their state (as separate processes would). */
  shared: boolean;
  /** Falls back to a local share of each limit when its store is unreachable. */
  fallsBack: boolean;
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
    fallsBack: false,
    create: () => createMemoryLimiter(),
    cleanup: async () => undefined,
  },
  {
    name: 'redis',
    skip: redisSkip,
    shared: true,
    fallsBack: true,
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

/** A TCP port on loopback with nothing listening on it (just released by the OS). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  assert.ok(address && typeof address === 'object');
  return address.port;
}

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function answersPing(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** A throwaway redis-server of our own on `port`; stopped (by its PID only) when the test ends. */
async function startRedisServer(port: number): Promise<ChildProcess> {
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await waitFor(() => answersPing(`redis://127.0.0.1:${port}`), 'redis-server to start');
  return server;
}

async function stopRedisServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = once(server, 'exit');
  server.kill('SIGCONT');
  server.kill('SIGTERM');
  await exited;
}

async function countAdmitted(limiter: Limiter, subjects: AdmitSubject[], attempts: number): Promise<number> {
  let count = 0;
  for (let index = 0; index < attempts; index++)
    if ((await limiter.admit(subjects, 1)).decision.allowed) count++;
  return count;
}

/** Redis calls a limiter saw fail (0 for memory): a burst that timed out ran partly on the fallback. */
function redisFailures(limiter: Limiter): number {
  return 'redisFailures' in limiter && typeof limiter.redisFailures === 'number' ? limiter.redisFailures : 0;
}

/**
 * Runs a burst up to three times (fresh subject each time) until one runs with Redis answering throughout;
 * on a loaded machine a 250 ms command timeout can send part of a burst to the fallback, which the
 * fallback tests cover. Returns the admitted count and whether Redis answered throughout.
 */
async function burst(
  limiters: Limiter[],
  run: (round: number) => Promise<number>,
): Promise<{ admitted: number; healthy: boolean }> {
  let admitted = 0;
  for (let round = 0; round < 3; round++) {
    const before = limiters.map(redisFailures);
    admitted = await run(round);
    if (limiters.every((limiter, index) => redisFailures(limiter) === before[index]))
      return { admitted, healthy: true };
    await waitFor(() => limiters.every((limiter) => limiter.status().healthy), 'Redis to answer again');
  }
  return { admitted, healthy: false };
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
  describe(`limiter contract: ${backend.name}`, () => {
    const test = testsSkippedWhen(backend.skip);
    test('1,000 concurrent requests at RPM=60 admit exactly 60; refusals carry Retry-After and headers', () =>
      withLimiters(backend, async (make) => {
        const limiter = make();
        const spec = { rpm: 60 };
        let results: Array<{ decision: LimitDecision; ticket?: AdmissionTicket }> = [];
        const { admitted } = await burst([limiter], async (round) => {
          results = await Promise.all(
            Array.from({ length: 1000 }, () => limiter.admit([subject(`key:burst${round}`, spec)], 10)),
          );
          return results.filter((result) => result.decision.allowed).length;
        });
        // One instance stays exact even when part of the burst fell back: the fallback mirrors its admissions.
        assert.equal(admitted, 60, 'the sliding window has no burst allowance');
        const allowed = results.filter((result) => result.decision.allowed);
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
        const limiter = make();
        const { decision, ticket } = await limiter.admit([subject('key:free', { rpm: null, tpm: null })], 5);
        assert.deepEqual(decision, { allowed: true, headers: {} });
        assert.deepEqual(limiter.status(), { healthy: true });
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
          const { admitted: total, healthy } = await burst([one, two], async (round) => {
            const results = await Promise.all(
              Array.from({ length: 1000 }, (_, index) =>
                (index % 2 ? one : two).admit([subject(`key:s${round}`, spec)], 1),
              ),
            );
            return results.filter((result) => result.decision.allowed).length;
          });
          // If Redis kept timing out in every round (a starved machine), an instance on its fallback (share = the
          // whole limit here, instances = 1) beside one on Redis can admit up to twice the limit; see the ADR.
          if (healthy) assert.equal(total, 60);
          else assert.ok(total <= 2 * 60, `admitted ${total}`);
          await waitFor(() => one.status().healthy && two.status().healthy, 'Redis to answer');
          const slot = [subject('key:slot', { maxConcurrency: 1 })];
          const ticket = await admitted(one, slot);
          await refused(two, slot);
          await ticket.release(1);
          await admitted(two, slot);
        }),
    );

    test(
      'with Redis unreachable, each instance admits its share, reports degraded, and recovers when Redis starts',
      { skip: backend.fallsBack ? false : 'nothing to fall back from', timeout: 30_000 },
      async (context) => {
        const port = await freePort();
        const url = `redis://127.0.0.1:${port}`;
        const keyPrefix = `portico-test:${randomUUID()}:`;
        const limiter = createRedisLimiter({
          url,
          keyPrefix,
          instances: 2,
          commandTimeoutMs: 100,
          probeIntervalMs: 50,
        });
        let server: ChildProcess | undefined;
        try {
          assert.equal(limiter.settings.commandTimeoutMs, 100);
          const key = [subject('key:down', { rpm: 10 })];
          const results = await Promise.all(Array.from({ length: 50 }, () => limiter.admit(key, 1)));
          assert.equal(
            results.filter((result) => result.decision.allowed).length,
            5,
            'half of 10 per instance',
          );
          const refusal = results.find((result) => !result.decision.allowed)?.decision;
          assert.equal(refusal?.headers['x-ratelimit-limit-requests'], '5');
          const status = limiter.status();
          assert.equal(status.healthy, false);
          assert.match(status.degraded ?? '', /redis/i);
          const noServer = required(
            'redis-server (to start Redis again)',
            haveRedisServer ? undefined : 'not on PATH',
          );
          if (noServer) {
            context.skip(noServer);
            return;
          }
          server = await startRedisServer(port);
          await waitFor(() => limiter.status().healthy, 'the limiter to recover');
          // The 5 admitted locally were handed to Redis: 5 more fit in this window, then a shared refusal.
          assert.equal(await countAdmitted(limiter, key, 10), 5);
          assert.deepEqual(limiter.status(), { healthy: true });
        } finally {
          await limiter.close();
          if (server) {
            await deleteKeys(url, keyPrefix);
            await stopRedisServer(server);
          }
        }
      },
    );

    test(
      'a stalled Redis (SIGSTOP) times out, falls back to the local share, and recovers without leaking slots',
      {
        skip: !backend.fallsBack
          ? 'nothing to fall back from'
          : required(
              'redis-server (to run a Redis of its own to stall)',
              haveRedisServer ? undefined : 'not on PATH',
            ),
        timeout: 30_000,
      },
      async () => {
        const port = await freePort();
        const url = `redis://127.0.0.1:${port}`;
        const server = await startRedisServer(port);
        const keyPrefix = `portico-test:${randomUUID()}:`;
        const options = { url, keyPrefix, instances: 2, commandTimeoutMs: 100, probeIntervalMs: 50 };
        const limiter = createRedisLimiter(options);
        const other = createRedisLimiter(options);
        try {
          const requests = [subject('key:rpm', { rpm: 10 })];
          const slots = [subject('key:slots', { maxConcurrency: 2 })];
          assert.equal(await countAdmitted(limiter, requests, 2), 2);
          const firstSlot = await admitted(limiter, slots);
          await admitted(limiter, slots);
          assert.deepEqual(limiter.status(), { healthy: true });

          server.kill('SIGSTOP');
          // The first call waits out the command timeout; the rest go straight to the local share of 5, less
          // the 2 this instance admitted through Redis in this window (its fallback mirrors them).
          assert.equal(await countAdmitted(limiter, requests, 20), 3);
          assert.match(limiter.status().degraded ?? '', /timed out/i);
          await firstSlot.release(1); // Redis is away: freed when it returns

          server.kill('SIGCONT');
          await waitFor(() => limiter.status().healthy, 'the limiter to recover');
          // 2 before + 3 during (handed to Redis on recovery), and the timed-out call may still have run in
          // Redis: at most 10 in all.
          const after = await countAdmitted(limiter, requests, 10);
          assert.ok(after >= 1 && 2 + 3 + after <= 10, `admitted ${after} after recovery`);
          assert.equal(await countAdmitted(other, requests, 5), 0, 'the other instance sees the same window');
          // The slot released during the outage was freed in Redis: one fits again, not two.
          await admitted(other, slots);
          await refused(other, slots);
        } finally {
          await limiter.close();
          await other.close();
          server.kill('SIGCONT');
          await deleteKeys(url, keyPrefix);
          await stopRedisServer(server);
        }
      },
    );
  });
}
