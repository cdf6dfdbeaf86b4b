/**
 * Fallback models, connection failures, the breaker's probes and Retry-After cooling, through the
 * gateway against the simulator.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import {
  chat,
  deadPort,
  ledgerOf,
  startFaultyUpstream,
  upstreamAttempts,
  type FaultyUpstream,
} from './routing-upstream.ts';

let simulator: Simulator;
let faulty: FaultyUpstream;
let gateway: Gateway;

before(async () => {
  simulator = await startSimulator({ port: 0, host: '127.0.0.1' });
  faulty = await startFaultyUpstream(simulator.url);
  const port = await deadPort();
  gateway = await startGateway({
    simulator,
    providers: {
      healthy: { type: 'openai', base_url: `${simulator.url}/v1`, api_key: 'k-healthy' },
      faulty: {
        type: 'openai',
        base_url: `${faulty.url}/v1`,
        api_key: 'k-faulty',
        timeouts: { first_byte_ms: 300, idle_ms: 300 },
      },
      gone: {
        type: 'openai',
        base_url: `http://127.0.0.1:${port}/v1`,
        api_key: 'k-gone',
        timeouts: { connect_ms: 300 },
      },
    },
    models: {
      primary: {
        deployments: [{ provider: 'faulty', model: 'up-primary' }],
        pricing: { input: 1, output: 2 },
        fallbacks: ['forbidden-backup', 'backup'],
      },
      'forbidden-backup': {
        deployments: [{ provider: 'healthy', model: 'up-forbidden' }],
        pricing: { input: 1, output: 2 },
      },
      backup: {
        deployments: [{ provider: 'healthy', model: 'up-backup' }],
        pricing: { input: 3, output: 5 },
      },
      unreachable: {
        deployments: [
          { provider: 'gone', model: 'up-gone', weight: 1 },
          { provider: 'healthy', model: 'up-reachable', weight: 0.000001 },
        ],
        pricing: { input: 1, output: 2 },
      },
      flaky: {
        deployments: [
          { provider: 'faulty', model: 'up-flaky', weight: 1 },
          { provider: 'healthy', model: 'up-steady', weight: 1 },
        ],
        pricing: { input: 1, output: 2 },
      },
    },
  });
});
after(async () => {
  await gateway.close();
  await faulty.close();
  await simulator.close();
});
beforeEach(() => {
  faulty.fault = undefined;
  gateway.services.routing.configure({
    clock: Date.now,
    retry: { maxAttempts: 4, maxWaitMs: 500, backoffBaseMs: 5, backoffMaxMs: 20 },
    breaker: { consecutiveFailures: 3, baseCooldownMs: 60_000, maxCooldownMs: 60_000 },
  });
});

const ask = (model: string, stream = false) => ({
  model,
  stream,
  max_tokens: 100,
  messages: [{ role: 'user', content: 'hello' }],
});

test('fallbacks skip models the key may not use, are priced at the model used and say so', async () => {
  faulty.fault = 'status=500';
  const { key, accountId } = await gateway.account(10, { models: ['primary', 'backup'] });
  for (const stream of [false, true]) {
    const outcome = await chat(gateway, key, ask('primary', stream));
    assert.equal(outcome.status, 200, outcome.text);
    assert.equal(outcome.headers.get('x-portico-fallback-model'), 'backup');
    const model = stream ? outcome.events[0].model : outcome.body.model;
    assert.equal(model, 'backup', 'the response names the model that answered');
    const attempts = await upstreamAttempts(gateway, outcome.requestId, 2);
    assert.ok(
      !attempts.some((attempt) => attempt.model === 'up-forbidden'),
      'the allow-list holds for fallbacks',
    );
    assert.deepEqual(
      attempts.map((attempt) => attempt.model),
      ['up-primary', 'up-backup'],
    );
    const rows = await ledgerOf(gateway, accountId, outcome.requestId);
    assert.deepEqual(
      rows.map((row) => [row.model, row.terminal_state]),
      [
        ['primary', 'upstream_error'],
        ['backup', 'ok'],
      ],
    );
    assert.equal(rows[0].cost_micros, 0);
    const answered = attempts[1];
    assert.ok(answered);
    // backup's price: 3 per 1M input, 5 per 1M output (micro-USD per token), rounded up once.
    assert.equal(rows[1].cost_micros, Math.ceil(answered.promptTokens * 3 + answered.completionTokens * 5));
  }
});

test('a deployment that refuses connections is retried elsewhere at once', async () => {
  const { key, accountId } = await gateway.account(10);
  const outcome = await chat(gateway, key, ask('unreachable', true));
  assert.equal(outcome.status, 200, outcome.text);
  assert.equal(outcome.done, true);
  const rows = await ledgerOf(gateway, accountId, outcome.requestId);
  assert.deepEqual(
    rows.map((row) => [row.deployment, row.terminal_state, row.error_code]),
    [
      ['gone/up-gone', 'upstream_error', 'upstream_connect'],
      ['healthy/up-reachable', 'ok', null],
    ],
  );
  const attempts = await upstreamAttempts(gateway, outcome.requestId, 1);
  assert.equal(attempts.length, 1, 'only the reachable deployment saw a request');
});

test('breaker: ejected after consecutive failures, traffic moves, re-probed after the cool-down (F6)', async () => {
  // Routing's clock is moved forward instead of waiting out the cool-downs.
  let offset = 0;
  gateway.services.routing.configure({
    clock: () => Date.now() + offset,
    breaker: { consecutiveFailures: 3, baseCooldownMs: 60_000, maxCooldownMs: 240_000 },
  });
  faulty.fault = 'status=500';
  const { key } = await gateway.account(10);
  const flakyAttempts = () => simulator.attempts.filter((attempt) => attempt.model === 'up-flaky').length;
  simulator.resetAttempts();
  for (let index = 0; index < 12; index++) {
    const outcome = await chat(gateway, key, ask('flaky'));
    assert.equal(outcome.status, 200, 'every request is answered while one deployment fails');
  }
  assert.equal(flakyAttempts(), 3, 'the failing deployment saw exactly its 3 failures before it was ejected');
  offset += 60_000;
  for (let index = 0; index < 6; index++) assert.equal((await chat(gateway, key, ask('flaky'))).status, 200);
  assert.equal(flakyAttempts(), 4, 'one probe after the cool-down, which failed and re-opened the breaker');
  offset += 60_000;
  for (let index = 0; index < 6; index++) assert.equal((await chat(gateway, key, ask('flaky'))).status, 200);
  assert.equal(flakyAttempts(), 4, 'the second cool-down is twice as long');
  faulty.fault = undefined;
  offset += 60_000;
  for (let index = 0; index < 6; index++) assert.equal((await chat(gateway, key, ask('flaky'))).status, 200);
  assert.ok(flakyAttempts() >= 5, 'probed again (and maybe chosen again once healthy)');
  const state = gateway.services.routing.health.snapshot('faulty/up-flaky', Date.now() + offset).breaker;
  assert.equal(state, 'closed', 'a good probe closes the breaker: the deployment is back in rotation');
});

test('429 + Retry-After: no request reaches the deployment inside the window (F5)', async () => {
  faulty.fault = 'status=429;retry_after=30';
  const { key, accountId } = await gateway.account(10);
  simulator.resetAttempts();
  const flaky = () => simulator.attempts.filter((attempt) => attempt.model === 'up-flaky');
  // Until the random choice sends one request to the limited deployment (each is answered anyway).
  for (let index = 0; index < 40 && flaky().length === 0; index++)
    assert.equal((await chat(gateway, key, ask('flaky'))).status, 200);
  assert.equal(flaky().length, 1);
  const outcomes = await Promise.all(Array.from({ length: 20 }, () => chat(gateway, key, ask('flaky'))));
  assert.ok(outcomes.every((outcome) => outcome.status === 200));
  const limited = flaky();
  assert.equal(limited.length, 1, 'nothing reached the deployment inside its Retry-After window');
  const before = limited.length;
  for (let index = 0; index < 5; index++) assert.equal((await chat(gateway, key, ask('flaky'))).status, 200);
  assert.equal(simulator.attempts.filter((attempt) => attempt.model === 'up-flaky').length, before);
  const rows = (await gateway.admin('GET', `/admin/usage?account_id=${accountId}`)).body.data as any[];
  assert.equal(rows.length, simulator.attempts.length, 'one ledger row per upstream attempt');
});

test('a model whose only deployment is cooling answers 429 locally, with the time left', async () => {
  faulty.fault = 'status=429;retry_after=30';
  const { key, accountId } = await gateway.account(10);
  simulator.resetAttempts();
  const first = await chat(gateway, key, ask('primary'));
  // primary falls back to backup (the key may use everything here); make backup cool down too.
  assert.equal(first.status, 200);
  const { key: narrow } = await gateway.account(10, { models: ['primary'] });
  const local = await chat(gateway, narrow, ask('primary'));
  assert.equal(local.status, 429);
  assert.ok(Number(local.headers.get('retry-after')) >= 29);
  assert.equal(local.body.error.type, 'rate_limit_error');
  assert.equal(
    simulator.attempts.filter((attempt) => attempt.model === 'up-primary').length,
    1,
    'no second upstream call',
  );
  const rows = (await gateway.admin('GET', `/admin/usage?account_id=${accountId}`)).body.data as any[];
  assert.equal(rows.length, 2);
});
