/**
 * 10,000 mixed requests through the simulator (issue 4, RELIABILITY D2/D3): successes, upstream errors,
 * client disconnects, idle timeouts and resets, streamed and not. Afterwards no hold is open, every
 * upstream attempt has exactly one ledger row, completed rows bill exactly what the simulator reported,
 * no row charges more than it held, and balance + ledger = credits. Each request's kind (and where a
 * disconnecting client leaves) comes from a seed (helpers/seed.ts): PORTICO_TEST_SEED replays a failed run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { withSeed, type Random } from '../helpers/seed.ts';

const TOTAL = 10_000;
const CONCURRENCY = 50;
const CREDITS = 1000;
let gateway: Gateway;

before(async () => {
  gateway = await startGateway({
    providers: {
      local: {
        type: 'openai',
        base_url: 'SIMULATOR',
        api_key: 'x',
        timeouts: { first_byte_ms: 5_000, idle_ms: 300 },
      },
    },
  });
});
after(async () => gateway.close());

type Kind = 'ok' | 'ok_stream' | 'error' | 'disconnect' | 'timeout' | 'reset';
/** Drawn from uniformly: three in ten plain, three in ten streamed, one in ten of each fault. */
const KINDS: Kind[] = [
  'ok',
  'ok_stream',
  'ok',
  'ok_stream',
  'ok',
  'error',
  'disconnect',
  'timeout',
  'reset',
  'ok_stream',
];
const MARKERS: Record<Kind, string> = {
  ok: '',
  ok_stream: '',
  error: '[[sim:status=500]]',
  disconnect: '[[sim:chunks=20;chunk-delay-ms=10]]',
  timeout: '[[sim:stall_after=2]]',
  reset: '[[sim:reset_after=2]]',
};

interface Plan {
  kind: Kind;
  /** Chunks a disconnecting client reads before it leaves. */
  readsBeforeLeaving: number;
}

function plan(random: Random): Plan {
  return { kind: KINDS[random.int(KINDS.length)] as Kind, readsBeforeLeaving: 1 + random.int(3) };
}

async function one(key: string, index: number, { kind, readsBeforeLeaving }: Plan): Promise<void> {
  const stream = kind !== 'ok' && kind !== 'error';
  const controller = new AbortController();
  try {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'sim-openai',
        messages: [{ role: 'user', content: `request ${index} ${MARKERS[kind]}` }],
        max_tokens: 64,
        stream,
        ...(stream ? { stream_options: { include_usage: true } } : {}),
      }),
      signal: controller.signal,
    });
    if (kind === 'disconnect') {
      const reader = response.body!.getReader();
      for (let read = 0; read < readsBeforeLeaving; read++) await reader.read();
      controller.abort();
      return;
    }
    await response.arrayBuffer();
  } catch {
    // aborted on purpose
  }
}

test(
  '10,000 mixed requests: no open holds, one row per attempt, ledger = upstream usage',
  { timeout: 600_000 },
  (context) =>
    withSeed(context, async (random) => {
      const plans = Array.from({ length: TOTAL }, () => plan(random));
      const { key, accountId } = await gateway.account(CREDITS);
      gateway.simulator.resetAttempts();
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < TOTAL) {
            const index = next++;
            await one(key, index, plans[index]!);
          }
        }),
      );
      // Settles of aborted streams may finish just after the client left.
      let account: any;
      for (let tries = 0; tries < 100; tries++) {
        account = (await gateway.admin('GET', `/admin/accounts/${accountId}`)).body;
        if (account.held_micros === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(account.held_micros, 0, 'no open holds');
      const rows: any[] = (await gateway.admin('GET', `/admin/usage?account_id=${accountId}&limit=100000`))
        .body.data;
      assert.ok(rows.every((row) => row.state === 'settled'));
      const byAttempt = new Map(rows.map((row) => [`${row.request_id}#${row.attempt}`, row]));
      assert.equal(byAttempt.size, rows.length, 'one row per (request, attempt)');
      const attempts = gateway.simulator.attempts;
      assert.ok(attempts.length >= TOTAL * 0.9, `the simulator saw ${attempts.length} attempts`);
      let exact = 0;
      for (const attempt of attempts) {
        const row = byAttempt.get(`${attempt.requestId}#${attempt.attempt}`);
        assert.ok(row, `attempt ${attempt.requestId}#${attempt.attempt} has a ledger row`);
        assert.ok(row.cost_micros <= Math.round(row.held_usd * 1_000_000), 'never charged above the hold');
        if (row.terminal_state === 'ok' && attempt.usageReported) {
          assert.equal(row.prompt_tokens, attempt.promptTokens, 'prompt tokens as the upstream reported');
          assert.equal(
            row.completion_tokens,
            attempt.completionTokens,
            'completion tokens as the upstream reported',
          );
          exact++;
        } else if (attempt.status >= 400) {
          assert.equal(row.cost_micros, 0, 'an upstream error status is not billed');
        }
      }
      assert.ok(exact >= TOTAL * 0.5, `${exact} rows compared exactly`);
      const states = new Set(rows.map((row) => row.terminal_state));
      for (const state of ['ok', 'upstream_error', 'client_disconnected', 'timeout'])
        assert.ok(states.has(state), `a ${state} row`);
      const spent = rows.reduce((sum, row) => sum + row.cost_micros, 0);
      assert.equal(account.balance_micros + spent, CREDITS * 1_000_000, 'balance + ledger = credits');
    }),
);
