/**
 * Every simulator fault (RELIABILITY.md F1–F7), with one deployment and with two (one faulty, one
 * healthy): what the client sees, which attempts the upstream saw, and the ledger rows. The money must
 * add up: one ledger row per upstream attempt, a charge only where the upstream generated something, no
 * open hold left, and never a clean `[DONE]` after a failure.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import {
  chat,
  ledgerOf,
  startFaultyUpstream,
  streamText,
  upstreamAttempts,
  type ChatOutcome,
  type FaultyUpstream,
} from './routing-upstream.ts';

let simulator: Simulator;
let faulty: FaultyUpstream;
let gateway: Gateway;
const MAX_ATTEMPTS = 3;

before(async () => {
  simulator = await startSimulator({ port: 0, host: '127.0.0.1' });
  faulty = await startFaultyUpstream(simulator.url);
  const timeouts = { connect_ms: 1_000, first_byte_ms: 300, idle_ms: 300 };
  gateway = await startGateway({
    simulator,
    providers: {
      healthy: {
        type: 'openai',
        base_url: `${simulator.url}/v1`,
        api_key: 'k-healthy',
        timeouts: { connect_ms: 1_000, first_byte_ms: 5_000, idle_ms: 5_000 },
      },
      faulty: { type: 'openai', base_url: `${faulty.url}/v1`, api_key: 'k-faulty', timeouts },
    },
    models: {
      // The faulty deployment goes first all but one time in a million, so the failover is exercised.
      duo: {
        deployments: [
          { provider: 'faulty', model: 'up-faulty', weight: 1 },
          { provider: 'healthy', model: 'up-healthy', weight: 0.000001 },
        ],
        pricing: { input: 1, output: 2 },
      },
      solo: { deployments: [{ provider: 'faulty', model: 'up-faulty' }], pricing: { input: 1, output: 2 } },
    },
  });
});
after(async () => {
  await gateway.close();
  await faulty.close();
  await simulator.close();
});
beforeEach(() => {
  // Fresh health for every test; breakers open on the first failure so "the next request avoids it" shows.
  gateway.services.routing.configure({
    retry: { maxAttempts: MAX_ATTEMPTS, maxWaitMs: 500, backoffBaseMs: 5, backoffMaxMs: 20 },
    breaker: { consecutiveFailures: 1, baseCooldownMs: 60_000, maxCooldownMs: 60_000 },
  });
});

function ask(model: string, stream = true): Record<string, unknown> {
  return {
    model,
    stream,
    max_tokens: 200,
    messages: [{ role: 'user', content: 'Tell me about harbours [[sim:chunks=6]]' }],
  };
}

/** The invariants every request must keep, whatever failed. */
async function checkMoney(accountId: string, outcome: ChatOutcome, expectedAttempts: number) {
  const attempts = await upstreamAttempts(gateway, outcome.requestId, expectedAttempts);
  const rows = await ledgerOf(gateway, accountId, outcome.requestId);
  assert.equal(attempts.length, expectedAttempts, 'upstream attempts');
  assert.equal(rows.length, attempts.length, 'one ledger row per upstream attempt');
  assert.deepEqual(
    rows.map((row) => row.attempt),
    attempts.map((attempt) => attempt.attempt).sort((a, b) => (a ?? 0) - (b ?? 0)),
  );
  for (const row of rows) {
    assert.equal(row.state, 'settled');
    const upstream = attempts.find((attempt) => attempt.attempt === row.attempt);
    if (row.cost_micros > 0)
      assert.ok(
        upstream && upstream.completionTokens > 0,
        `attempt ${row.attempt} charged though the upstream generated nothing`,
      );
  }
  const account = (await gateway.admin('GET', `/admin/accounts/${accountId}`)).body;
  assert.equal(account.held_micros, 0, 'no hold left open');
  const all = (await gateway.admin('GET', `/admin/usage?account_id=${accountId}`)).body.data as any[];
  const spent = all.reduce((sum, row) => sum + row.cost_micros, 0);
  assert.equal(account.balance_micros, 10_000_000 - spent, 'balance = start - ledger');
  if (outcome.streamError) assert.equal(outcome.done, false, 'never a clean [DONE] after a failure');
  return { attempts, rows };
}

async function expectHealthy(key: string, accountId: string) {
  const next = await chat(gateway, key, ask('duo'));
  assert.equal(next.status, 200);
  assert.equal(next.done, true);
  const { attempts } = await checkMoney(accountId, next, 1);
  assert.equal(attempts[0]?.model, 'up-healthy', 'the next request avoids the faulty deployment');
}

interface BeforeContent {
  name: string;
  fault: string;
  soloStatus: number;
  soloAttempts: number;
  soloState: string;
}

// Faults that happen before any content: the client has nothing yet, so another deployment may answer.
const BEFORE_CONTENT: BeforeContent[] = [
  {
    name: 'slow first byte',
    fault: 'slow_first_byte=5000',
    soloStatus: 504,
    soloAttempts: 1,
    soloState: 'timeout',
  },
  {
    name: '429 with Retry-After',
    fault: 'status=429;retry_after=30',
    soloStatus: 429,
    soloAttempts: 1,
    soloState: 'upstream_error',
  },
  {
    name: '5xx burst',
    fault: 'status=502',
    soloStatus: 502,
    soloAttempts: MAX_ATTEMPTS,
    soloState: 'upstream_error',
  },
  {
    name: '200 + error event',
    fault: 'error_event_after=0',
    soloStatus: 502,
    soloAttempts: 1,
    soloState: 'upstream_error',
  },
  {
    name: 'malformed first chunk',
    fault: 'malformed_after=0',
    soloStatus: 502,
    soloAttempts: 1,
    soloState: 'upstream_error',
  },
];

for (const stream of [true, false]) {
  describe(`before any content (${stream ? 'stream' : 'JSON'})`, () => {
    for (const fault of BEFORE_CONTENT) {
      if (!stream && fault.fault.includes('_after=')) continue; // stream-only faults
      test(`${fault.name}: two deployments -> answered by the healthy one`, async () => {
        faulty.fault = fault.fault;
        const { key, accountId } = await gateway.account(10);
        const outcome = await chat(gateway, key, ask('duo', stream));
        assert.equal(outcome.status, 200, outcome.text);
        if (stream) {
          assert.equal(outcome.done, true);
          assert.equal(outcome.streamError, undefined);
          assert.ok(streamText(outcome).length > 0);
        } else {
          assert.ok(outcome.body.choices[0].message.content.length > 0);
          assert.equal(outcome.body.model, 'duo');
        }
        const { attempts, rows } = await checkMoney(accountId, outcome, 2);
        assert.deepEqual(
          attempts.map((attempt) => attempt.model),
          ['up-faulty', 'up-healthy'],
        );
        assert.notEqual(rows[0].terminal_state, 'ok');
        assert.equal(rows[0].cost_micros, 0);
        assert.equal(rows[1].terminal_state, 'ok');
        assert.ok(rows[1].cost_micros > 0);
        await expectHealthy(key, accountId);
      });

      test(`${fault.name}: one deployment -> a clear error, nothing charged`, async () => {
        // A breaker that opens on the first failure would stop the retries this test counts.
        gateway.services.routing.configure({ breaker: { consecutiveFailures: 10 } });
        faulty.fault = fault.fault;
        const { key, accountId } = await gateway.account(10);
        const outcome = await chat(gateway, key, ask('solo', stream));
        assert.equal(outcome.status, fault.soloStatus, outcome.text);
        assert.equal(outcome.body.error.code, fault.soloStatus, 'the seed error format');
        if (fault.soloStatus === 429)
          assert.ok(Number(outcome.headers.get('retry-after')) >= 29, 'Retry-After passed on');
        const { rows } = await checkMoney(accountId, outcome, fault.soloAttempts);
        for (const row of rows) {
          assert.equal(row.terminal_state, fault.soloState);
          assert.equal(row.cost_micros, 0);
        }
      });
    }
  });
}

// Faults after the first real chunk: the 200 is sent, nothing may be retried; the stream ends with an
// error event, what was delivered is billed, and the next request avoids the deployment.
const MID_STREAM = [
  { name: 'stall mid-stream', fault: 'stall_after=2', state: 'timeout' },
  { name: 'reset mid-stream', fault: 'reset_after=2', state: 'upstream_error' },
  { name: 'malformed chunk mid-stream', fault: 'malformed_after=2', state: 'upstream_error' },
  { name: '200 + error event mid-stream', fault: 'error_event_after=2', state: 'upstream_error' },
];

describe('after content started (stream)', () => {
  for (const fault of MID_STREAM) {
    for (const model of ['solo', 'duo']) {
      test(`${fault.name}: ${model === 'duo' ? 'two deployments' : 'one deployment'} -> error event, delivered tokens billed`, async () => {
        faulty.fault = fault.fault;
        const { key, accountId } = await gateway.account(10);
        const outcome = await chat(gateway, key, ask(model));
        assert.equal(outcome.status, 200);
        assert.ok(streamText(outcome).length > 0, 'content was delivered before the failure');
        assert.ok(outcome.streamError, 'a final error event');
        assert.equal(outcome.done, false);
        assert.equal(
          outcome.events.at(-1).error?.type,
          outcome.streamError.type,
          'the error event is the last one',
        );
        const { rows } = await checkMoney(accountId, outcome, 1);
        assert.equal(rows[0].terminal_state, fault.state);
        assert.ok(rows[0].completion_tokens > 0, 'delivered tokens are billed');
        if (model === 'duo') await expectHealthy(key, accountId);
      });
    }
  }
});
