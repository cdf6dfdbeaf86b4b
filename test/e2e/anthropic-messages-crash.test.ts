/**
 * `kill -9` the gateway while Anthropic Messages requests (JSON and streamed, a Claude name aliased to a
 * Gemini model) are in flight, twice, restarting each time. Afterwards every upstream attempt has exactly
 * one settled ledger row on door `anthropic-messages`, no hold is left open, and balance + ledger equal
 * the credits. The kill moments come from a seed (helpers/seed.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startSimulator } from '../../src/simulator/index.ts';
import { freePort, startChildGateway, type ChildGateway } from '../helpers/child-gateway.ts';
import { withSeed } from '../helpers/seed.ts';

const ADMIN = 'sk-admin-anthropic-crash-0123456789';
const KILLS = 2;
const CREDITS_USD = 50;

test(
  'kill -9 during Anthropic-door requests, restart, recover: one settled row per attempt, money conserved',
  { timeout: 180_000 },
  (context) =>
    withSeed(context, async (random) => {
      const killAfterMs = Array.from({ length: KILLS }, () => 300 + random.int(600));
      const simulator = await startSimulator({ port: 0 });
      const dir = mkdtempSync(join(tmpdir(), 'portico-anthropic-crash-'));
      const config = join(dir, 'portico.yaml');
      writeFileSync(
        config,
        `providers:
  google: { type: gemini, base_url: "${simulator.url}/v1beta", api_key: x }
models:
  gemini-3.5-flash: { aliases: [claude-sonnet-4-5] }
`,
      );
      const database = join(dir, 'portico.db');
      const env = {
        PORTICO_CONFIG: config,
        PORTICO_DATABASE_URL: `sqlite:${database}`,
        PORTICO_ADMIN_KEY: ADMIN,
      };
      const port = await freePort();
      let gateway: ChildGateway | undefined;
      try {
        gateway = await startChildGateway(env, port);
        const admin = (path: string, body: unknown) =>
          fetch(`${gateway!.url}${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          }).then((response) => response.json() as Promise<any>);
        const account = await admin('/admin/accounts', { name: 'crash', credits_usd: CREDITS_USD });
        const { key } = await admin('/admin/keys', { account_id: account.id });

        for (let round = 0; round < KILLS; round++) {
          const current = gateway;
          let stop = false;
          const worker = async (index: number) => {
            while (!stop) {
              await fetch(`${current.url}/v1/messages`, {
                method: 'POST',
                headers: {
                  'x-api-key': key,
                  'anthropic-version': '2023-06-01',
                  'content-type': 'application/json',
                },
                body: JSON.stringify({
                  model: 'claude-sonnet-4-5',
                  max_tokens: 300,
                  stream: index % 2 === 0,
                  messages: [{ role: 'user', content: `round ${round} [[sim:chunks=10;chunk-delay-ms=5]]` }],
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
          gateway = await startChildGateway(env, port);
        }
        gateway.process.kill('SIGTERM');
        await gateway.exited;
        gateway = undefined;

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
          for (const row of rows) assert.equal(row.door, 'anthropic-messages');
          const keys = new Set(rows.map((row) => `${row.request_id}#${row.attempt}`));
          assert.equal(keys.size, rows.length, 'one row per (request, attempt)');
          const served = simulator.attempts.filter((attempt) => attempt.requestId !== null);
          assert.ok(served.length > 0);
          for (const attempt of served) {
            assert.ok(
              keys.has(`${attempt.requestId}#${attempt.attempt}`),
              `attempt ${attempt.requestId}#${attempt.attempt} has a ledger row`,
            );
          }
          for (const row of rows)
            assert.ok(row.cost_micros <= row.held_micros, 'a charge never exceeds its hold');
          const balance = db
            .prepare('SELECT balance_micros, held_micros FROM accounts WHERE id = ?')
            .get(account.id) as { balance_micros: number; held_micros: number };
          const spent = rows.reduce((sum, row) => sum + row.cost_micros, 0);
          assert.equal(balance.held_micros, 0);
          assert.equal(balance.balance_micros + spent, CREDITS_USD * 1_000_000, 'balance + ledger = credits');
        } finally {
          db.close();
        }
      } finally {
        if (gateway) {
          gateway.process.kill('SIGKILL');
          await gateway.exited;
        }
        await simulator.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }),
);
