/**
 * Providers and models changed through the admin API while traffic flows: two gateways (two
 * processes' worth of services) share one database; a change made on one reaches the other by polling
 * within seconds; a stream open during the change finishes; new requests use the new price, old rows
 * keep theirs; secrets are write-only; bad entries are refused with a 400.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

let simulator: Simulator;
let first: Gateway;
let second: Gateway;
let directory: string;
let clientOnSecond: OpenAI;
let accountId: string;

before(async () => {
  simulator = await startSimulator({ port: 0, host: '127.0.0.1' });
  directory = mkdtempSync(join(tmpdir(), 'portico-live-'));
  const options = {
    simulator,
    databaseUrl: `sqlite:${join(directory, 'portico.db')}`,
    providers: { sim: { type: 'openai' as const, base_url: 'SIMULATOR', api_key: 'file-secret-1' } },
    models: {
      'live-model': {
        deployments: [{ provider: 'sim', model: 'up-live' }],
        pricing: { input: 1, output: 2 },
        max_output_tokens: 1000,
      },
    },
  };
  first = await startGateway(options);
  second = await startGateway(options);
  const created = await first.account(10);
  accountId = created.accountId;
  clientOnSecond = new OpenAI({ apiKey: created.key, baseURL: `${second.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await first?.close();
  await second?.close();
  await simulator?.close();
  rmSync(directory, { recursive: true, force: true });
});

/** Poll until `check` passes (live configuration is polled every 2 s). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the change did not arrive in time');
    await sleep(100);
  }
}

async function ask(model = 'live-model') {
  return clientOnSecond.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'hello' }],
    max_tokens: 20,
  });
}

test('a price changed on one process bills new requests on the other; old rows keep theirs; live streams finish', async () => {
  const before = await ask();
  const oldRow = (await second.services.store.ledger({ accountId, limit: 1 }))[0];
  assert.equal(
    oldRow?.costMicros,
    (before.usage?.prompt_tokens ?? 0) * 1 + (before.usage?.completion_tokens ?? 0) * 2,
  );

  // A stream that is still running when the change lands.
  const stream = await clientOnSecond.chat.completions.create({
    model: 'live-model',
    messages: [{ role: 'user', content: 'long one [[sim:chunks=20;chunk-delay-ms=100]]' }],
    max_tokens: 200,
    stream: true,
  });
  const streamed = (async () => {
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    return { text, finish };
  })();

  const changed = await first.admin('PUT', '/admin/models/live-model', {
    pricing: { input: 10, output: 20 },
  });
  assert.equal(changed.status, 200);
  assert.equal(changed.body.source, 'database');
  assert.deepEqual(changed.body.pricing, { input: 10, output: 20 });
  // Only the pricing changed: the deployments came from the file entry.
  assert.equal(changed.body.deployments[0].provider, 'sim');

  await eventually(async () => second.services.config.models['live-model']?.pricing.input === 10);
  const { text, finish } = await streamed;
  assert.ok(text.length > 0);
  assert.equal(finish, 'stop', 'the stream open during the change finished cleanly');

  const after = await ask();
  const newRow = (await second.services.store.ledger({ accountId, limit: 1 }))[0];
  assert.equal(
    newRow?.costMicros,
    (after.usage?.prompt_tokens ?? 0) * 10 + (after.usage?.completion_tokens ?? 0) * 20,
  );
  assert.notEqual(newRow?.priceVersion, oldRow?.priceVersion);
  const kept = await second.services.store.ledgerRow(oldRow?.requestId ?? '', 1);
  assert.equal(kept?.costMicros, oldRow?.costMicros);
  assert.equal(kept?.priceVersion, oldRow?.priceVersion);
});

test('a new provider and model, secrets write-only, usable on the other process', async () => {
  const provider = await first.admin('POST', '/admin/providers', {
    name: 'sim2',
    type: 'openai',
    base_url: `${simulator.url}/v1`,
    api_keys: [{ key: 'db-secret-2', label: 'main' }],
  });
  assert.equal(provider.status, 201);
  assert.deepEqual(provider.body.api_keys, [{ key: '[set]', label: 'main' }]);
  const listed = await second.admin('GET', '/admin/providers');
  assert.deepEqual(
    listed.body.data.map((entry: any) => [entry.name, entry.source]),
    [
      ['sim', 'file'],
      ['sim2', 'database'],
    ],
  );
  const everything = JSON.stringify([
    provider.body,
    listed.body,
    (await first.admin('GET', '/admin/providers/sim2')).body,
  ]);
  assert.ok(
    !everything.includes('db-secret-2') && !everything.includes('file-secret-1'),
    'no secret is shown',
  );

  const model = await first.admin('POST', '/admin/models', {
    name: 'new-model',
    deployments: [{ provider: 'sim2', model: 'up-new' }],
    pricing: { input: 3, output: 4 },
  });
  assert.equal(model.status, 201);
  await eventually(async () => second.services.config.models['new-model'] !== undefined);
  simulator.resetAttempts();
  const answer = await ask('new-model');
  assert.ok((answer.choices[0]?.message.content ?? '').length > 0);
  const attempt = simulator.attempts.at(-1);
  assert.equal(attempt?.headers.authorization, 'Bearer db-secret-2');

  const audit = await first.admin('GET', '/admin/audit?action=provider.create');
  assert.ok(audit.body.data.some((entry: any) => entry.target === 'provider:sim2'));
  assert.ok(!JSON.stringify(audit.body).includes('db-secret-2'));
});

test('bad entries are refused with a 400; unknown names are 404; a delete takes effect everywhere', async () => {
  const unknownProvider = await first.admin('POST', '/admin/models', {
    name: 'broken',
    deployments: [{ provider: 'nope', model: 'x' }],
    pricing: { input: 1, output: 1 },
  });
  assert.equal(unknownProvider.status, 400);
  assert.match(unknownProvider.body.error.message, /unknown provider "nope"/);
  const badField = await first.admin('PUT', '/admin/providers/sim2', { typo_field: 1 });
  assert.equal(badField.status, 400);
  const inUse = await first.admin('DELETE', '/admin/providers/sim2');
  assert.equal(inUse.status, 400, 'a provider a model still uses cannot go');
  assert.equal(
    (await first.admin('PUT', '/admin/models/missing', { pricing: { input: 1, output: 1 } })).status,
    404,
  );
  assert.equal((await first.admin('POST', '/admin/providers', { name: 'sim', type: 'openai' })).status, 400);

  assert.equal((await first.admin('DELETE', '/admin/models/new-model')).status, 204);
  await eventually(async () => second.services.config.models['new-model'] === undefined);
  const gone = await ask('new-model').then(
    () => undefined,
    (error: { status?: number }) => error.status,
  );
  assert.equal(gone, 404);
});
