/**
 * Embeddings on the shared routing: an embedding model whose only deployment answers 503 (a key the
 * simulator refuses that way) falls back to its fallback model; every upstream attempt is one ledger
 * row (the failed ones unbilled, the answered one at the fallback's price), and the answer names the
 * model that served it. The Gemini door's embeddings take the same path.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { countTokens, startSimulator, type Simulator } from '../../src/simulator/index.ts';

let simulator: Simulator;
let gateway: Gateway;
let key: string;
let accountId: string;

before(async () => {
  simulator = await startSimulator({
    port: 0,
    host: '127.0.0.1',
    keyFaults: { 'k-overloaded': 'status=503' },
  });
  gateway = await startGateway({
    simulator,
    providers: {
      healthy: { type: 'openai', base_url: `${simulator.url}/v1`, api_key: 'k-healthy' },
      overloaded: { type: 'gemini', base_url: `${simulator.url}/v1beta`, api_key: 'k-overloaded' },
    },
    models: {
      'primary-embed': {
        deployments: [{ provider: 'overloaded', model: 'gemini-embedding-001' }],
        pricing: { input: 0.15, cached_input: 0.15, output: 0 },
        fallbacks: ['backup-embed'],
      },
      'backup-embed': {
        deployments: [{ provider: 'healthy', model: 'text-embedding-3-small' }],
        pricing: { input: 0.5, cached_input: 0.5, output: 0 },
      },
    },
  });
  ({ key, accountId } = await gateway.account(10));
});
after(async () => {
  await gateway.close();
  await simulator.close();
});

interface Row {
  request_id: string;
  attempt: number;
  model: string;
  door: string;
  prompt_tokens: number;
  cost_micros: number;
  terminal_state: string;
}

async function rowsOf(requestId: string): Promise<Row[]> {
  const usage = await gateway.admin('GET', `/admin/usage?account_id=${accountId}&limit=1000`);
  return (usage.body.data as Row[]).filter((row) => row.request_id === requestId).reverse();
}

describe('embeddings on the shared routing', () => {
  test('a 503 upstream falls back to the fallback embedding model; one row per attempt', async () => {
    const openai = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const text = 'route me somewhere healthy';
    const { data, response } = await openai.embeddings
      .create({ model: 'primary-embed', input: [text], encoding_format: 'float' })
      .withResponse();
    assert.equal(response.headers.get('x-portico-fallback-model'), 'backup-embed');
    assert.equal(data.model, 'backup-embed');
    assert.equal(data.data.length, 1);
    const requestId = response.headers.get('x-request-id') as string;
    const rows = await rowsOf(requestId);
    assert.ok(rows.length >= 2, JSON.stringify(rows));
    const answered = rows.at(-1) as Row;
    for (const failed of rows.slice(0, -1)) {
      assert.equal(failed.model, 'primary-embed');
      assert.equal(failed.terminal_state, 'upstream_error');
      assert.equal(failed.cost_micros, 0);
      assert.equal(failed.door, 'embeddings');
    }
    assert.equal(answered.model, 'backup-embed');
    assert.equal(answered.terminal_state, 'ok');
    assert.equal(answered.door, 'embeddings');
    assert.equal(answered.prompt_tokens, countTokens(text));
    assert.equal(answered.cost_micros, Math.ceil(countTokens(text) * 0.5));
    // Every failed row is an upstream call the simulator refused with a 503.
    const calls = simulator.attempts.filter((attempt) => attempt.requestId === requestId);
    assert.equal(calls.length, rows.length);
    assert.deepEqual(
      calls.map((call) => call.status),
      [...rows.slice(0, -1).map(() => 503), 200],
    );
  });
});
