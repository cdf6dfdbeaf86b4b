import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  NEVER,
  RETENTION_SECONDS,
  SecondBuckets,
  untilEmptyMs,
  waitUntilFits,
} from '../../../src/limits/sliding-window.ts';

test('waitUntilFits is 0 when the amount fits and NEVER when it exceeds the limit itself', () => {
  assert.equal(waitUntilFits([{ second: 100, amount: 5 }], 5, 5, 10, 100_500), 0);
  assert.equal(waitUntilFits([], 0, 11, 10, 100_500), NEVER);
});

test('waitUntilFits waits for the oldest buckets that must expire, in any input order', () => {
  const buckets = [
    { second: 130, amount: 4 },
    { second: 100, amount: 3 },
    { second: 110, amount: 3 },
  ];
  const nowMs = 140_250;
  // 10 used of 10: one more needs the second-100 bucket gone, at 161 s.
  assert.equal(waitUntilFits(buckets, 10, 1, 10, nowMs), (100 + RETENTION_SECONDS) * 1000 - nowMs);
  // Four more need both 100 and 110 gone.
  assert.equal(waitUntilFits(buckets, 10, 4, 10, nowMs), (110 + RETENTION_SECONDS) * 1000 - nowMs);
});

test('untilEmptyMs counts to the end of the newest bucket', () => {
  assert.equal(untilEmptyMs(null, 5_000), 0);
  assert.equal(untilEmptyMs(100, 100_400), 60_600);
  assert.equal(untilEmptyMs(100, 200_000), 0);
});

test('SecondBuckets keeps a bucket for RETENTION_SECONDS, then drops it', () => {
  const buckets = new SecondBuckets();
  buckets.add(100, 1, 50);
  buckets.add(100, 1, 25);
  buckets.add(101, 1, 0);
  assert.equal(buckets.total('requests'), 3);
  assert.equal(buckets.total('tokens'), 75);
  assert.equal(buckets.newestSecond('tokens'), 100);
  buckets.prune(100 + RETENTION_SECONDS - 1);
  assert.equal(buckets.total('requests'), 3);
  buckets.prune(100 + RETENTION_SECONDS);
  assert.equal(buckets.total('requests'), 1);
  assert.equal(buckets.newestSecond('tokens'), null);
  buckets.prune(101 + RETENTION_SECONDS);
  assert.equal(buckets.isEmpty, true);
});

test('SecondBuckets corrects tokens in place, never below zero, and charges expired overruns now', () => {
  const buckets = new SecondBuckets();
  buckets.add(100, 1, 50);
  buckets.correctTokens(100, -80, 110);
  assert.equal(buckets.total('tokens'), 0);
  buckets.correctTokens(100, 30, 110);
  assert.equal(buckets.total('tokens'), 30);
  buckets.correctTokens(100, 20, 200);
  assert.deepEqual(buckets.list('tokens'), [{ second: 200, amount: 20 }]);
  buckets.correctTokens(150, -20, 200);
  assert.equal(buckets.total('tokens'), 20, 'a refund for an expired bucket is moot');
});

test('SecondBuckets charges the newest bucket when the clock steps back', () => {
  const buckets = new SecondBuckets();
  buckets.add(100, 1, 0);
  buckets.add(99, 1, 0);
  assert.deepEqual(buckets.list('requests'), [{ second: 100, amount: 2 }]);
});
