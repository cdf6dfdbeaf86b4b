/**
 * Money on the Anthropic Messages door: the credit race (balance for one request, many at once: exactly
 * one answer, every other one Anthropic's 402 `billing_error`, the balance never below zero, start balance
 * = balance now + the ledger), streamed and not; and a top-level Idempotency-Key replay billed once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { ledgerRows } from '../helpers/ledger.ts';

let gateway: Gateway;

before(async () => {
  gateway = await startGateway();
});
after(async () => gateway.close());

function messages(key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: {
      'x-api-key': key,
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

const BODY = {
  model: 'gemini-3.5-flash',
  max_tokens: 1000,
  messages: [{ role: 'user', content: 'race' }],
};

describe('the credit race on the Anthropic door', () => {
  for (const stream of [false, true]) {
    test(`${stream ? 'streamed' : 'JSON'}: balance for one, 100 at once: one 200, 99 billing_error 402s`, async () => {
      const probe = await gateway.account(100);
      const probeResponse = await messages(probe.key, { ...BODY, stream });
      assert.equal(probeResponse.status, 200);
      await probeResponse.arrayBuffer();
      const [probeRow] = await ledgerRows(gateway, probe.accountId);
      const hold = Math.round(((probeRow as { held_usd?: number } | undefined)?.held_usd ?? 0) * 1_000_000);
      assert.ok(hold > 0);

      const start = Math.floor(hold * 1.5);
      const { key, accountId } = await gateway.account(start / 1_000_000);
      // The upstream answers slowly, so all holds race while the first one is still held.
      const slow = {
        ...BODY,
        stream,
        messages: [{ role: 'user', content: 'race [[sim:slow_first_byte=3000]]' }],
      };
      const responses = await Promise.all(Array.from({ length: 100 }, () => messages(key, slow)));
      const bodies = await Promise.all(responses.map((response) => response.text()));
      const statuses = responses.map((response) => response.status);
      assert.equal(statuses.filter((status) => status === 200).length, 1, `statuses: ${statuses.join(',')}`);
      assert.equal(statuses.filter((status) => status === 402).length, 99);
      for (const [index, response] of responses.entries()) {
        if (response.status !== 402) continue;
        assert.equal(response.headers.get('x-should-retry'), 'false');
        assert.match(response.headers.get('content-type') ?? '', /application\/json/);
        const body = JSON.parse(bodies[index] as string);
        assert.equal(body.type, 'error');
        assert.equal(body.error.type, 'billing_error');
        assert.ok(body.error.message.length > 0);
      }
      const winner = bodies[statuses.indexOf(200)] as string;
      if (stream) assert.ok(winner.trimEnd().endsWith('data: {"type":"message_stop"}'));
      else assert.equal(JSON.parse(winner).type, 'message');

      const account = (await gateway.admin('GET', `/admin/accounts/${accountId}`)).body;
      const rows = await ledgerRows(gateway, accountId);
      assert.equal(rows.length, 1, 'one upstream attempt, one ledger row');
      assert.equal(rows[0]?.door, 'anthropic-messages');
      assert.equal(account.held_micros, 0);
      assert.ok(account.balance_micros >= 0);
      assert.equal(account.balance_micros, start - (rows[0]?.cost_micros ?? 0));
    });
  }

  test('an account with nothing left gets the 402 before its body is read', async () => {
    const { key } = await gateway.account(0);
    const response = await messages(key, BODY);
    assert.equal(response.status, 402);
    const body = (await response.json()) as { type: string; error: { type: string } };
    assert.deepEqual([body.type, body.error.type], ['error', 'billing_error']);
  });
});

describe('idempotency on the Anthropic door', () => {
  test('same Idempotency-Key and body replays the first message and bills once', async () => {
    const { key, accountId } = await gateway.account(5);
    const first = await messages(key, BODY, { 'idempotency-key': 'anthropic-1' });
    const firstBody = await first.text();
    const second = await messages(key, BODY, { 'idempotency-key': 'anthropic-1' });
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.equal(await second.text(), firstBody);
    assert.equal((await ledgerRows(gateway, accountId)).length, 1);
  });
});
