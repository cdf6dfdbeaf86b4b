/**
 * A provider with a pool of three upstream keys, through the gateway against the simulator: one key is
 * rate-limited (429 + Retry-After), one is refused (401). Traffic continues on the third; the 429 key
 * comes back after its cool-down; the 401 key stays out, shows on `/admin/status` and
 * `/admin/upstream-keys`, and its removal is in the audit log. The official `openai` SDK is the client.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

let simulator: Simulator;
let gateway: Gateway;
let client: OpenAI;

const keyOf = (attempt: { headers: Record<string, unknown> }) => String(attempt.headers['x-goog-api-key']);

before(async () => {
  simulator = await startSimulator({
    port: 0,
    host: '127.0.0.1',
    keyFaults: { 'sk-up-a': 'status=429;retry_after=2', 'sk-up-b': 'status=401' },
  });
  gateway = await startGateway({
    simulator,
    providers: {
      google: {
        type: 'gemini',
        base_url: 'SIMULATOR',
        api_keys: [
          { key: 'sk-up-a', label: 'pool-a' },
          { key: 'sk-up-b', label: 'pool-b' },
          { key: 'sk-up-c', label: 'pool-c' },
        ],
      },
    },
    models: {
      'gemini-2.5-flash': {
        deployments: [{ provider: 'google', model: 'gemini-2.5-flash' }],
        pricing: { input: 1, output: 2 },
      },
    },
  });
  const { key } = await gateway.account(10);
  client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await simulator?.close();
});

async function ask(stream = false): Promise<string> {
  if (stream) {
    const chunks = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'hello' }],
      max_tokens: 20,
      stream: true,
    });
    let text = '';
    for await (const chunk of chunks) text += chunk.choices[0]?.delta.content ?? '';
    return text;
  }
  const completion = await client.chat.completions.create({
    model: 'gemini-2.5-flash',
    messages: [{ role: 'user', content: 'hello' }],
    max_tokens: 20,
  });
  return completion.choices[0]?.message.content ?? '';
}

test('a rate-limited and a refused key: traffic continues on the third key', async () => {
  simulator.resetAttempts();
  for (let index = 0; index < 6; index++) assert.ok((await ask(index % 2 === 1)).length > 0);
  const attempts = simulator.attempts;
  // Each bad key was tried once (the 429 key cools, the 401 key is out); every answer came from key c.
  assert.equal(attempts.filter((attempt) => keyOf(attempt) === 'sk-up-a').length, 1);
  assert.equal(attempts.filter((attempt) => keyOf(attempt) === 'sk-up-b').length, 1);
  const served = attempts.filter((attempt) => attempt.status === 200);
  assert.equal(served.length, 6);
  assert.ok(served.every((attempt) => keyOf(attempt) === 'sk-up-c'));

  const keys = await gateway.admin('GET', '/admin/upstream-keys');
  assert.equal(keys.status, 200);
  const pool = keys.body.data.find((entry: any) => entry.provider === 'google').keys;
  const byLabel = Object.fromEntries(pool.map((key: any) => [key.label, key]));
  assert.equal(byLabel['pool-a'].state, 'cooling');
  assert.equal(byLabel['pool-a'].rate_limited, 1);
  assert.equal(byLabel['pool-b'].state, 'disabled');
  assert.equal(byLabel['pool-b'].disabled_status, 401);
  assert.equal(byLabel['pool-c'].state, 'active');
  assert.ok(!JSON.stringify(keys.body).includes('sk-up-'), 'no secret in the answer');
  // The ledger names the key that served each attempt, by its label.
  const usage = await gateway.admin('GET', '/admin/usage');
  const labels = new Set(usage.body.data.map((row: any) => row.credential));
  assert.deepEqual([...labels], ['pool-c']);
  assert.ok(!JSON.stringify(usage.body).includes('sk-up-'));
});

test('the 429 key returns after its cool-down; the 401 key stays out, on the status page and audited', async () => {
  simulator.setKeyFault('sk-up-a', null);
  await sleep(2_100);
  const status = await gateway.admin('GET', '/admin/status');
  const google = status.body.providers.find((provider: any) => provider.name === 'google');
  const states = Object.fromEntries(google.keys.map((key: any) => [key.label, key.state]));
  assert.deepEqual(states, { 'pool-a': 'active', 'pool-b': 'disabled', 'pool-c': 'active' });
  assert.ok(!JSON.stringify(status.body).includes('sk-up-'));

  // Key c now rate-limits: the recovered key a serves, key b is never asked again.
  simulator.setKeyFault('sk-up-c', 'status=429;retry_after=30');
  simulator.resetAttempts();
  for (let index = 0; index < 3; index++) assert.ok((await ask()).length > 0);
  const served = simulator.attempts.filter((attempt) => attempt.status === 200);
  assert.equal(served.length, 3);
  assert.ok(served.every((attempt) => keyOf(attempt) === 'sk-up-a'));
  assert.equal(simulator.attempts.filter((attempt) => keyOf(attempt) === 'sk-up-b').length, 0);

  const audit = await gateway.admin('GET', '/admin/audit?action=upstream_key.disable');
  assert.equal(audit.status, 200);
  const entries = audit.body.data.filter((entry: any) => entry.target === 'provider:google/pool-b');
  assert.equal(entries.length, 1);
  assert.equal(entries[0].detail.status, 401);
});

test('an operator puts the refused key back', async () => {
  simulator.setKeyFault('sk-up-b', null);
  const missing = await gateway.admin('POST', '/admin/upstream-keys/google/pool-z/enable');
  assert.equal(missing.status, 404);
  const enabled = await gateway.admin('POST', '/admin/upstream-keys/google/pool-b/enable');
  assert.equal(enabled.status, 200);
  assert.equal(enabled.body.key.state, 'active');
  simulator.resetAttempts();
  for (let index = 0; index < 4; index++) await ask();
  assert.ok(simulator.attempts.some((attempt) => keyOf(attempt) === 'sk-up-b' && attempt.status === 200));
});

test('every key resting: the client gets a 429 with the wait until the first key is free', async () => {
  simulator.setKeyFault('sk-up-a', 'status=429;retry_after=20');
  simulator.setKeyFault('sk-up-b', 'status=429;retry_after=20');
  const error = await ask().then(
    () => undefined,
    (caught: unknown) => caught as { status?: number; headers?: Headers },
  );
  assert.equal(error?.status, 429);
  const retryAfter = Number(error?.headers?.get?.('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 30, `retry-after ${retryAfter}`);
});
