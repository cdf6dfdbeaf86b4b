import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResolvedModel } from '../../../src/config/load-config.ts';
import { UpstreamError } from '../../../src/providers/shared/upstream-error.ts';
import { DeploymentHealth } from '../../../src/routing/deployment-health.ts';
import { planAttempts, preferFaster, weightedOrder } from '../../../src/routing/plan.ts';

function model(name: string, deployments: Array<[string, number]>, fallbacks: string[] = []): ResolvedModel {
  return {
    name,
    deployments: deployments.map(([provider, weight]) => ({ provider, model: name, weight })),
    pricing: {
      input: 1,
      cached_input: 1,
      output: 1,
      output_image: 1,
      output_audio: 1,
      grounding_per_1k: 0,
      input_audio: 1,
      tiers: [],
    },
    pricingSchedule: [],
    maxOutputTokens: 100,
    contextWindow: 1000,
    traits: { thinking: 'none' },
    fallbacks,
    aliases: [],
    simulated: false,
  };
}

const serverError = () =>
  new UpstreamError({ kind: 'status', upstreamStatus: 500, code: 'upstream_failed', message: '500' });

test('weighted order follows the weights on average and drops weight 0', () => {
  const items = [
    { id: 'heavy', weight: 3 },
    { id: 'light', weight: 1 },
    { id: 'off', weight: 0 },
  ];
  let heavyFirst = 0;
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let index = 0; index < 4000; index++) {
    const order = weightedOrder(items, random);
    assert.equal(order.length, 2);
    if (order[0]?.id === 'heavy') heavyFirst++;
  }
  // P(heavy first) = 3/4 for a 3:1 weighting.
  assert.ok(heavyFirst > 2800 && heavyFirst < 3200, String(heavyFirst));
});

test('among equal weights the faster deployment goes first; unknown latency is explored first', () => {
  const ordered = [
    { id: 'slow', weight: 1 },
    { id: 'other-weight', weight: 2 },
    { id: 'fast', weight: 1 },
    { id: 'new', weight: 1 },
  ];
  const latency: Record<string, number | undefined> = {
    slow: 900,
    fast: 100,
    new: undefined,
    'other-weight': 5000,
  };
  const result = preferFaster(ordered, (item) => latency[item.id]).map((item) => item.id);
  assert.deepEqual(result, ['new', 'other-weight', 'fast', 'slow']);
  // Within 25% counts as equal: the shuffle's order is kept.
  const close = preferFaster(
    [
      { id: 'a', weight: 1 },
      { id: 'b', weight: 1 },
    ],
    (item) => (item.id === 'a' ? 105 : 100),
  ).map((item) => item.id);
  assert.deepEqual(close, ['a', 'b']);
});

test('plan: deployments, then allowed fallbacks; an open breaker is left out', () => {
  const models = {
    main: model(
      'main',
      [
        ['a', 1],
        ['b', 1],
      ],
      ['backup', 'forbidden'],
    ),
    backup: model('backup', [['c', 1]]),
    forbidden: model('forbidden', [['d', 1]]),
  };
  const health = new DeploymentHealth({ consecutiveFailures: 2, baseCooldownMs: 1000 });
  const mayUse = (candidate: ResolvedModel) => candidate.name !== 'forbidden';
  const first = planAttempts({ models }, models.main, mayUse, () => 0.5, health, 0);
  assert.deepEqual(first.map((target) => target.label).sort(), ['a/main', 'b/main', 'c/backup']);
  assert.equal(first.at(-1)?.isFallback, true);
  health.recordFailure('a/main', serverError(), 0);
  health.recordFailure('a/main', serverError(), 0);
  const second = planAttempts({ models }, models.main, mayUse, () => 0.5, health, 10);
  assert.deepEqual(
    second.map((target) => target.label),
    ['b/main', 'c/backup'],
  );
  const third = planAttempts({ models }, models.main, mayUse, () => 0.5, health, 1000);
  assert.ok(
    third.some((target) => target.label === 'a/main'),
    'half-open again after the cool-down',
  );
});

test('plan: a model is never ejected whole; the least-bad deployment stays, marked forced', () => {
  const models = {
    main: model('main', [
      ['a', 1],
      ['b', 1],
    ]),
  };
  const health = new DeploymentHealth({ consecutiveFailures: 1, baseCooldownMs: 1000 });
  health.recordFailure('a/main', serverError(), 100);
  health.recordFailure('b/main', serverError(), 0);
  const plan = planAttempts({ models }, models.main, () => true, Math.random, health, 200);
  assert.deepEqual(
    plan.map((target) => [target.label, target.forced]),
    [['b/main', true]],
  );
});

test('health: Retry-After on 429 cools the deployment; 400 counts as alive; client aborts are neutral', () => {
  const health = new DeploymentHealth({ consecutiveFailures: 2 });
  const limited = new UpstreamError({
    kind: 'status',
    upstreamStatus: 429,
    retryAfterSeconds: 7,
    code: 'upstream_rate_limited',
    message: '429',
  });
  health.recordFailure('a/m', limited, 1_000);
  assert.equal(health.coolingUntil('a/m'), 8_000);
  assert.equal(health.coolingStatus('a/m'), 429);
  assert.equal(health.snapshot('a/m', 1_000).breaker, 'closed', '429 does not count against the breaker');
  health.recordFailure('a/m', serverError(), 1_000);
  health.recordFailure(
    'a/m',
    new UpstreamError({ kind: 'status', upstreamStatus: 400, code: 'invalid_request', message: '400' }),
    1_000,
  );
  health.recordFailure('a/m', serverError(), 1_000);
  assert.equal(health.snapshot('a/m', 1_000).breaker, 'closed', 'the 400 broke the run of failures');
  health.recordFailure(
    'a/m',
    new UpstreamError({ kind: 'aborted', code: 'upstream_failed', message: 'gone' }),
    1_000,
  );
  assert.equal(health.snapshot('a/m', 1_000).consecutiveFailures, 1);
});

test('health: latency is an exponentially weighted average that forgets stale values', () => {
  const health = new DeploymentHealth();
  health.recordLatency('a/m', 100, 0);
  health.recordLatency('a/m', 200, 1);
  assert.equal(Math.round(health.snapshot('a/m', 1).latencyMs ?? 0), 130);
  assert.equal(health.snapshot('a/m', 120_000).latencyMs, undefined);
  health.recordLatency('a/m', 50, 120_000);
  assert.equal(health.snapshot('a/m', 120_000).latencyMs, 50);
});
