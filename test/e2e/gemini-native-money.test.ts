/**
 * Money through the Gemini-native door: the credit race (an account that can pay for one request, many
 * at once: exactly one is served, the rest get Google's RESOURCE_EXHAUSTED, balance + ledger conserved),
 * for JSON and SSE, passthrough and translated; and `kill -9` under load on this door with restarts
 * (every upstream attempt has one settled row saying `gemini-native`, money conserved). Kill moments come
 * from the seed (helpers/seed.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startSimulator } from '../../src/simulator/index.ts';
import { freePort, startChildGateway, type ChildGateway } from '../helpers/child-gateway.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { withSeed } from '../helpers/seed.ts';

let gateway: Gateway;

before(async () => {
  gateway = await startGateway({
    models: {
      'gemini-3.5-flash': {
        deployments: [{ provider: 'google', model: 'gemini-3.5-flash' }],
        pricing: { input: 0.3, output: 2.5 },
        max_output_tokens: 8192,
      },
      'sim-openai': {
        deployments: [{ provider: 'local', model: 'sim-openai-upstream' }],
        pricing: { input: 1, output: 2 },
        max_output_tokens: 4096,
      },
    },
  });
});
after(async () => gateway.close());

function generate(key: string, model: string, sse: boolean, text: string) {
  const method = sse ? 'streamGenerateContent?alt=sse' : 'generateContent';
  return fetch(`${gateway.url}/v1beta/models/${model}:${method}`, {
    method: 'POST',
    headers: { 'x-goog-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify({
      contents: [{ role: 'user', parts: [{ text }] }],
      generationConfig: { maxOutputTokens: 1000 },
    }),
  });
}

async function ledger(accountId: string): Promise<any[]> {
  return (await gateway.admin('GET', `/admin/usage?account_id=${accountId}&limit=10000`)).body.data;
}

describe('the credit race through the Gemini-native door', () => {
  for (const [model, sse] of [
    ['gemini-3.5-flash', false],
    ['gemini-3.5-flash', true],
    ['sim-openai', true],
  ] as const) {
    test(`${model} ${sse ? 'SSE' : 'JSON'}: 1.5x one request's hold, 100 at once: exactly one served`, async () => {
      const probe = await gateway.account(100);
      const first = await generate(probe.key, model, sse, 'race');
      assert.equal(first.status, 200);
      await first.arrayBuffer();
      const [row] = await ledger(probe.accountId);
      assert.equal(row.door, 'gemini-native');
      const maxCost = Math.round(row.held_usd * 1_000_000);
      assert.ok(maxCost > 0);

      const start = Math.floor(maxCost * 1.5);
      const { key, accountId } = await gateway.account(start / 1_000_000);
      const responses = await Promise.all(
        Array.from({ length: 100 }, () => generate(key, model, sse, 'race [[sim:slow_first_byte=3000]]')),
      );
      const statuses = responses.map((response) => response.status);
      const bodies = await Promise.all(responses.map((response) => response.text()));
      assert.equal(statuses.filter((status) => status === 200).length, 1, `statuses: ${statuses.join(',')}`);
      assert.equal(statuses.filter((status) => status === 402).length, 99);
      const refused = JSON.parse(bodies[statuses.indexOf(402)] ?? '{}') as { error: Record<string, unknown> };
      assert.equal(refused.error.status, 'RESOURCE_EXHAUSTED');
      assert.equal(refused.error.code, 402);

      const account = (await gateway.admin('GET', `/admin/accounts/${accountId}`)).body;
      const rows = await ledger(accountId);
      assert.equal(rows.length, 1, 'one upstream attempt, one ledger row');
      assert.equal(rows[0].door, 'gemini-native');
      assert.equal(account.held_micros, 0);
      assert.ok(account.balance_micros >= 0);
      assert.equal(account.balance_micros, start - rows[0].cost_micros);
    });
  }
});

const ADMIN = 'sk-admin-gemini-crash-0123456789';
const KILLS = 2;
const CREDITS_USD = 50;

test('kill -9 under load on the Gemini-native door, restart, recover', { timeout: 180_000 }, (context) =>
  withSeed(context, async (random) => {
    const killAfterMs = Array.from({ length: KILLS }, () => 200 + random.int(600));
    const simulator = await startSimulator({ port: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'portico-gemini-crash-'));
    const config = join(dir, 'portico.yaml');
    writeFileSync(
      config,
      `providers:
  google: { type: gemini, base_url: "${simulator.url}/v1beta", api_key: x }
  local: { type: openai, base_url: "${simulator.url}/v1", api_key: x }
models:
  gemini-3.5-flash: { deployments: [{ provider: google, model: gemini-3.5-flash }], pricing: { input: 0.3, output: 2.5 }, max_output_tokens: 2048 }
  sim-openai: { deployments: [{ provider: local, model: sim }], pricing: { input: 1, output: 2 }, max_output_tokens: 2048 }
`,
    );
    const database = join(dir, 'portico.db');
    const env = {
      PORTICO_CONFIG: config,
      PORTICO_DATABASE_URL: `sqlite:${database}`,
      PORTICO_ADMIN_KEY: ADMIN,
    };
    const port = await freePort();
    let child: ChildGateway | undefined;
    try {
      child = await startChildGateway(env, port);
      const admin = (path: string, body: unknown) =>
        fetch(`${child!.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then((response) => response.json() as Promise<any>);
      const account = await admin('/admin/accounts', { name: 'crash', credits_usd: CREDITS_USD });
      const { key } = await admin('/admin/keys', { account_id: account.id });

      for (let round = 0; round < KILLS; round++) {
        const current = child;
        let stop = false;
        const worker = async (index: number) => {
          while (!stop) {
            const model = index % 4 === 3 ? 'sim-openai' : 'gemini-3.5-flash';
            const method = index % 2 === 0 ? 'streamGenerateContent?alt=sse' : 'generateContent';
            await fetch(`${current.url}/v1beta/models/${model}:${method}`, {
              method: 'POST',
              headers: { 'x-goog-api-key': key, 'content-type': 'application/json' },
              body: JSON.stringify({
                contents: [{ parts: [{ text: `round ${round} [[sim:chunks=10;chunk-delay-ms=5]]` }] }],
                generationConfig: { maxOutputTokens: 200 },
              }),
            })
              .then((response) => response.arrayBuffer())
              .catch(() => undefined);
          }
        };
        const workers = Array.from({ length: 12 }, (_, index) => worker(index));
        await new Promise((resolve) => setTimeout(resolve, killAfterMs[round]));
        current.process.kill('SIGKILL');
        await current.exited;
        stop = true;
        await Promise.all(workers);
        child = await startChildGateway(env, port);
      }
      child.process.kill('SIGTERM');
      await child.exited;
      child = undefined;

      const db = new Database(database, { readonly: true });
      try {
        assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
        const open = db.prepare("SELECT COUNT(*) AS n FROM ledger WHERE state <> 'settled'").get() as {
          n: number;
        };
        assert.equal(open.n, 0, 'no open holds after recovery');
        const rows = db
          .prepare('SELECT request_id, attempt, cost_micros, held_micros, door FROM ledger')
          .all() as Array<{
          request_id: string;
          attempt: number;
          cost_micros: number;
          held_micros: number;
          door: string;
        }>;
        assert.ok(rows.length > 0);
        assert.ok(rows.every((row) => row.door === 'gemini-native'));
        const keys = new Set(rows.map((row) => `${row.request_id}#${row.attempt}`));
        assert.equal(keys.size, rows.length, 'one row per (request, attempt)');
        const served = simulator.attempts.filter((attempt) => attempt.requestId !== null);
        assert.ok(served.some((attempt) => attempt.protocol === 'gemini'));
        for (const attempt of served) {
          assert.ok(keys.has(`${attempt.requestId}#${attempt.attempt}`), `${attempt.requestId} has a row`);
        }
        for (const row of rows)
          assert.ok(row.cost_micros <= row.held_micros, 'a charge never exceeds its hold');
        const balance = db
          .prepare('SELECT balance_micros, held_micros FROM accounts WHERE id = ?')
          .get(account.id) as {
          balance_micros: number;
          held_micros: number;
        };
        const spent = rows.reduce((sum, row) => sum + row.cost_micros, 0);
        assert.equal(balance.held_micros, 0);
        assert.equal(balance.balance_micros + spent, CREDITS_USD * 1_000_000, 'balance + ledger = credits');
      } finally {
        db.close();
      }
    } finally {
      if (child) {
        child.process.kill('SIGKILL');
        await child.exited;
      }
      await simulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }),
);
