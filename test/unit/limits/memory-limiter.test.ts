import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryLimiter } from '../../../src/limits/memory-limiter.ts';

function manualClock(startMs = 1_000_000) {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advance(milliseconds: number) {
      nowMs += milliseconds;
    },
  };
}

test('no 60-second window ever admits more than the RPM, however requests are spread', async () => {
  const clock = manualClock(1_000_300);
  const limiter = createMemoryLimiter({ now: clock.now });
  const admittedAt: number[] = [];
  // One attempt every 250 ms for 5 minutes against RPM=20.
  for (let step = 0; step < 1200; step++) {
    const { decision } = await limiter.admit([{ id: 'key:a', spec: { rpm: 20 } }], 1);
    if (decision.allowed) admittedAt.push(clock.now());
    clock.advance(250);
  }
  for (const start of admittedAt) {
    const inWindow = admittedAt.filter((at) => at >= start && at < start + 60_000).length;
    assert.ok(inWindow <= 20, `${inWindow} admitted in the minute from ${start}`);
  }
  assert.ok(admittedAt.length >= 20 * 4, 'the window slides: each minute admits again');
});

test('Retry-After is the wait until the oldest request stops counting, and is accurate', async () => {
  const clock = manualClock(2_000_000);
  const limiter = createMemoryLimiter({ now: clock.now });
  const key = [{ id: 'key:b', spec: { rpm: 2 } }];
  await limiter.admit(key, 1);
  clock.advance(10_000);
  await limiter.admit(key, 1);
  const { decision } = await limiter.admit(key, 1);
  assert.equal(decision.allowed, false);
  assert.equal(decision.retryAfterSeconds, 51);
  assert.equal(decision.headers['x-ratelimit-reset-requests'], '1m1s');
  clock.advance(50_000);
  assert.equal((await limiter.admit(key, 1)).decision.allowed, false);
  clock.advance(1_000);
  assert.equal((await limiter.admit(key, 1)).decision.allowed, true);
});

test('idle subjects are evicted once their window has passed; ones with requests in flight stay', async () => {
  const clock = manualClock();
  const limiter = createMemoryLimiter({ now: clock.now });
  const { ticket } = await limiter.admit([{ id: 'key:streaming', spec: { maxConcurrency: 1 } }], 1);
  for (let index = 0; index < 100; index++)
    await limiter.admit([{ id: `key:${index}`, spec: { rpm: 5 } }], 1);
  assert.equal(limiter.trackedSubjects, 101);
  clock.advance(62_000);
  for (let index = 0; index < 20; index++)
    await limiter.admit([{ id: 'key:active', spec: { rpm: 1000 } }], 1);
  assert.equal(limiter.trackedSubjects, 2, 'key:active and key:streaming');
  assert.equal(
    (await limiter.admit([{ id: 'key:streaming', spec: { maxConcurrency: 1 } }], 1)).decision.allowed,
    false,
  );
  await ticket?.release(1);
  assert.equal(
    (await limiter.admit([{ id: 'key:streaming', spec: { maxConcurrency: 1 } }], 1)).decision.allowed,
    true,
  );
});

test('maxSubjects caps the state even when every subject is busy', async () => {
  const limiter = createMemoryLimiter({ maxSubjects: 50 });
  for (let index = 0; index < 500; index++)
    await limiter.admit([{ id: `key:${index}`, spec: { rpm: 5 } }], 1);
  assert.ok(limiter.trackedSubjects <= 51, `${limiter.trackedSubjects} tracked`);
});

test('takeWindowUsage reports and forgets window usage but keeps slots in flight', async () => {
  const limiter = createMemoryLimiter();
  const spec = { rpm: 3, tpm: 100, maxConcurrency: 1 };
  await limiter.admit([{ id: 'key:c', spec }], 40);
  assert.deepEqual(limiter.takeWindowUsage(), [{ id: 'key:c', requests: 1, tokens: 40 }]);
  assert.deepEqual(limiter.takeWindowUsage(), []);
  const { decision } = await limiter.admit([{ id: 'key:c', spec }], 40);
  assert.equal(decision.reason, 'concurrency');
  assert.equal(decision.headers['x-ratelimit-remaining-requests'], '3');
});

test('record charges without checking, so a later admission sees the mirrored usage and slots', async () => {
  const limiter = createMemoryLimiter();
  const spec = { rpm: 2, tpm: 100, maxConcurrency: 1 };
  const mirrored = limiter.record([{ id: 'key:m', spec }], 150);
  limiter.record([{ id: 'key:m', spec }], 0);
  const { decision } = await limiter.admit([{ id: 'key:m', spec }], 1);
  assert.equal(decision.allowed, false);
  assert.equal(decision.headers['x-ratelimit-remaining-requests'], '0');
  assert.equal(decision.headers['x-ratelimit-remaining-tokens'], '0');
  await mirrored.release(10);
  const after = await limiter.admit([{ id: 'key:m', spec: { tpm: 100, maxConcurrency: 2 } }], 90);
  assert.equal(after.decision.allowed, true, 'the release refunded 140 tokens and freed a slot');
});
