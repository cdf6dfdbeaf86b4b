import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResolvedModel } from '../../../src/config/load-config.ts';
import { UpstreamError } from '../../../src/providers/shared/upstream-error.ts';
import { AttemptRouter } from '../../../src/routing/attempt-router.ts';
import { DeploymentHealth } from '../../../src/routing/deployment-health.ts';
import type { AttemptTarget } from '../../../src/routing/plan.ts';
import { backoffMs, retryScope, type RetryPolicy } from '../../../src/routing/retry-policy.ts';

const model = { name: 'm' } as ResolvedModel;
function target(provider: string, forced = false): AttemptTarget {
  return {
    model,
    deployment: { provider, model: 'm', weight: 1 },
    label: `${provider}/m`,
    isFallback: false,
    forced,
  };
}
const policy: RetryPolicy = { maxAttempts: 4, maxWaitMs: 1_000, backoffBaseMs: 100, backoffMaxMs: 400 };
const status = (code: number, retryAfterSeconds?: number) =>
  new UpstreamError({
    kind: 'status',
    upstreamStatus: code,
    retryAfterSeconds,
    code: 'upstream_failed',
    message: String(code),
  });

test('retry scope: unbilled failures may hit the same deployment, a few others only another one', () => {
  for (const code of [429, 500, 502, 503, 504]) assert.equal(retryScope(status(code), false), 'same');
  for (const code of [400, 401, 403, 404, 413]) assert.equal(retryScope(status(code), true), 'none');
  const kind = (name: UpstreamError['kind']) =>
    new UpstreamError({ kind: name, code: 'upstream_failed', message: name });
  assert.equal(retryScope(kind('connect'), false), 'same');
  assert.equal(retryScope(kind('timeout_connect'), false), 'same');
  assert.equal(retryScope(kind('timeout_first_byte'), false), 'other');
  assert.equal(retryScope(kind('protocol'), true), 'other', 'a stream that failed before its first chunk');
  assert.equal(retryScope(kind('protocol'), false), 'none', 'a JSON body broken midway was generated');
  assert.equal(retryScope(kind('reset'), true), 'none', 'the upstream may have generated (F7)');
  assert.equal(retryScope(kind('timeout_idle'), true), 'none');
  assert.equal(retryScope(kind('aborted'), true), 'none');
});

test('backoff: exponential cap with full jitter', () => {
  assert.equal(
    backoffMs(policy, 1, () => 0.999),
    99,
  );
  assert.equal(
    backoffMs(policy, 2, () => 0.5),
    100,
  );
  assert.equal(
    backoffMs(policy, 5, () => 0.999),
    399,
  );
  assert.equal(
    backoffMs(policy, 3, () => 0),
    0,
  );
});

test('another deployment first, without waiting; then the same one after backoff', () => {
  const health = new DeploymentHealth();
  const [a, b] = [target('a'), target('b')];
  const router = new AttemptRouter([a, b], health, policy, () => 0.5);
  assert.deepEqual(router.next(0), { target: a, waitMs: 0 });
  router.failed(a, 'same', 0);
  assert.deepEqual(router.next(0), { target: b, waitMs: 0 });
  router.failed(b, 'same', 10);
  assert.deepEqual(router.next(20), { target: a, waitMs: 30 }, 'a again after its 50 ms backoff');
  assert.equal(router.attempts, 3);
});

test('a failure only retryable elsewhere is not repeated on the same deployment', () => {
  const health = new DeploymentHealth();
  const a = target('a');
  const router = new AttemptRouter([a], health, policy, () => 0.5);
  assert.equal(router.next(0)?.target, a);
  router.failed(a, 'other', 0);
  assert.equal(router.next(0), undefined);
});

test('the attempt budget and the wait budget end the retries', () => {
  const health = new DeploymentHealth({ consecutiveFailures: 100 });
  const a = target('a');
  const router = new AttemptRouter(
    [a],
    health,
    { ...policy, maxAttempts: 3, backoffBaseMs: 1, backoffMaxMs: 1 },
    () => 0,
  );
  for (let attempt = 1; attempt <= 3; attempt++) {
    assert.equal(router.next(attempt)?.target, a);
    router.failed(a, 'same', attempt);
  }
  assert.equal(router.next(10), undefined, 'maxAttempts reached');
  const slow = new AttemptRouter(
    [a],
    health,
    { ...policy, backoffBaseMs: 5_000, backoffMaxMs: 5_000 },
    () => 0.9,
  );
  assert.equal(slow.next(0)?.target, a);
  slow.failed(a, 'same', 0);
  assert.equal(slow.next(0), undefined, 'a 4.5 s backoff does not fit a 1 s wait budget');
});

test('Retry-After: never re-hit inside the window; wait for it when it fits the budget', () => {
  const health = new DeploymentHealth();
  const [a, b] = [target('a'), target('b')];
  health.recordFailure('a/m', status(429, 2), 0);
  const router = new AttemptRouter([a, b], health, policy, () => 0);
  assert.equal(router.next(100)?.target, b, 'a is cooling: b goes first');
  router.failed(b, 'other', 100);
  assert.equal(router.next(100), undefined, 'a cools for 1.9 s more, over the 1 s budget');
  assert.deepEqual(router.cooling(100), { status: 429, retryAfterSeconds: 2 });

  const patient = new AttemptRouter([a], health, { ...policy, maxWaitMs: 5_000 }, () => 0);
  assert.deepEqual(patient.next(1_500), { target: a, waitMs: 500 }, 'waits out the Retry-After');
});

test('an open breaker is not retried unless the target is forced (every deployment ejected)', () => {
  const health = new DeploymentHealth({ consecutiveFailures: 1, baseCooldownMs: 10_000 });
  const a = target('a');
  const router = new AttemptRouter([a], health, policy, () => 0);
  assert.equal(router.next(0)?.target, a);
  health.recordFailure('a/m', status(500), 0);
  router.failed(a, 'same', 0);
  assert.equal(router.next(0), undefined);
  const forced = target('a', true);
  const again = new AttemptRouter([forced], health, policy, () => 0);
  assert.equal(again.next(0)?.target, forced);
});
