import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker } from '../../../src/routing/circuit-breaker.ts';

const options = {
  consecutiveFailures: 3,
  windowSize: 10,
  minimumInWindow: 6,
  errorRatio: 0.5,
  baseCooldownMs: 1_000,
  maxCooldownMs: 4_000,
};

test('opens after N consecutive failures and blocks until the cool-down ends', () => {
  const breaker = new CircuitBreaker(options);
  breaker.onFailure(0);
  breaker.onFailure(0);
  assert.equal(breaker.state(0), 'closed');
  assert.equal(breaker.tryAcquire(0), true);
  breaker.onFailure(10);
  assert.equal(breaker.state(10), 'open');
  assert.equal(breaker.tryAcquire(500), false);
  assert.equal(breaker.state(1_010), 'half_open');
});

test('a success resets the consecutive count', () => {
  const breaker = new CircuitBreaker(options);
  breaker.onFailure(0);
  breaker.onFailure(0);
  breaker.onSuccess();
  breaker.onFailure(0);
  breaker.onFailure(0);
  assert.equal(breaker.state(0), 'closed');
});

test('opens on the error ratio of the window, only once the window has enough outcomes', () => {
  const breaker = new CircuitBreaker(options);
  // failure, success, failure, success, ... never three in a row
  for (let index = 0; index < 5; index++) {
    if (index % 2 === 0) breaker.onFailure(0);
    else breaker.onSuccess();
  }
  assert.equal(breaker.state(0), 'closed', '3 of 5 but below the minimum');
  breaker.onSuccess();
  assert.equal(breaker.state(0), 'closed', '3 of 6 = 0.5, checked on the next failure');
  breaker.onFailure(0);
  assert.equal(breaker.state(0), 'open', '4 of 7 >= 0.5');
});

test('half-open lets exactly one probe through; its success closes the breaker', () => {
  const breaker = new CircuitBreaker(options);
  for (let index = 0; index < 3; index++) breaker.onFailure(0);
  assert.equal(breaker.tryAcquire(1_000), true, 'the probe');
  assert.equal(breaker.tryAcquire(1_001), false, 'a second request waits for the probe');
  breaker.onSuccess();
  assert.equal(breaker.state(1_002), 'closed');
  assert.equal(breaker.tryAcquire(1_002), true);
});

test('a failed probe re-opens with a cool-down that doubles, up to the maximum', () => {
  const breaker = new CircuitBreaker(options);
  for (let index = 0; index < 3; index++) breaker.onFailure(0);
  assert.equal(breaker.reopenAt, 1_000);
  assert.equal(breaker.tryAcquire(1_000), true);
  breaker.onFailure(1_000);
  assert.equal(breaker.reopenAt, 3_000, '2 s');
  assert.equal(breaker.tryAcquire(3_000), true);
  breaker.onFailure(3_000);
  assert.equal(breaker.reopenAt, 7_000, '4 s');
  assert.equal(breaker.tryAcquire(7_000), true);
  breaker.onFailure(7_000);
  assert.equal(breaker.reopenAt, 11_000, 'capped at 4 s');
  assert.equal(breaker.tryAcquire(11_000), true);
  breaker.onSuccess();
  for (let index = 0; index < 3; index++) breaker.onFailure(20_000);
  assert.equal(breaker.reopenAt, 21_000, 'back to the base after a success');
});

test('a released probe (client gone) frees the half-open slot without a verdict', () => {
  const breaker = new CircuitBreaker(options);
  for (let index = 0; index < 3; index++) breaker.onFailure(0);
  assert.equal(breaker.tryAcquire(1_000), true);
  breaker.release();
  assert.equal(breaker.state(1_000), 'half_open');
  assert.equal(breaker.tryAcquire(1_000), true);
});

test('a probe that never reports does not keep the breaker shut forever', () => {
  const breaker = new CircuitBreaker(options);
  for (let index = 0; index < 3; index++) breaker.onFailure(0);
  assert.equal(breaker.tryAcquire(1_000), true);
  assert.equal(breaker.tryAcquire(4_999), false);
  assert.equal(breaker.tryAcquire(5_000), true);
});
