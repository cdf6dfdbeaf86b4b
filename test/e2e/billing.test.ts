/**
 * Money (issue 4): the credit race, idempotency, the credits API and rate limits, through the real
 * gateway with the simulator upstream.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

let gateway: Gateway;

before(async () => {
  gateway = await startGateway();
});
after(async () => gateway.close());

function chat(key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

const BODY = { model: 'sim-openai', messages: [{ role: 'user', content: 'race' }], max_tokens: 1000 };

async function account(id: string): Promise<any> {
  return (await gateway.admin('GET', `/admin/accounts/${id}`)).body;
}

async function ledger(id: string): Promise<any[]> {
  return (await gateway.admin('GET', `/admin/usage?account_id=${id}&limit=10000`)).body.data;
}

describe('the credit race', () => {
  test('1.5x the maximum cost of one request, 200 concurrent requests: exactly one succeeds', async () => {
    // Learn the hold of one such request from a rich account's ledger.
    const probe = await gateway.account(100);
    assert.equal((await chat(probe.key, BODY)).status, 200);
    const [row] = await ledger(probe.accountId);
    const maxCost = Math.round(row.held_usd * 1_000_000);
    assert.ok(maxCost > 0);

    const start = Math.floor(maxCost * 1.5);
    const { key, accountId } = await gateway.account(start / 1_000_000);
    // The upstream answers slowly, so all 200 holds race while the first one is still held.
    const slow = { ...BODY, messages: [{ role: 'user', content: 'race [[sim:slow_first_byte=5000]]' }] };
    const responses = await Promise.all(Array.from({ length: 200 }, () => chat(key, slow)));
    const statuses = responses.map((response) => response.status);
    await Promise.all(responses.map((response) => response.arrayBuffer()));
    assert.equal(statuses.filter((status) => status === 200).length, 1, `statuses: ${statuses.join(',')}`);
    assert.equal(statuses.filter((status) => status === 402).length, 199);
    const refused = responses.find((response) => response.status === 402);
    assert.equal(refused?.headers.get('x-should-retry'), 'false');

    const after = await account(accountId);
    const rows = await ledger(accountId);
    const settled = rows.reduce((sum, entry) => sum + entry.cost_micros, 0);
    assert.equal(after.held_micros, 0);
    assert.ok(after.balance_micros >= 0);
    assert.equal(after.balance_micros, start - settled);
    assert.equal(rows.length, 1, 'one upstream attempt, one ledger row');
  });
});

describe('idempotency', () => {
  test('same key and body replays the first answer and bills once', async () => {
    const { key, accountId } = await gateway.account(5);
    const first = await chat(key, BODY, { 'idempotency-key': 'same-1' });
    const firstBody = await first.text();
    const second = await chat(key, BODY, { 'idempotency-key': 'same-1' });
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.equal(await second.text(), firstBody);
    assert.equal((await ledger(accountId)).length, 1);
  });

  test('a streamed answer replays as the same stream', async () => {
    const { key, accountId } = await gateway.account(5);
    const body = { ...BODY, stream: true, stream_options: { include_usage: true } };
    const first = await (await chat(key, body, { 'idempotency-key': 'stream-1' })).text();
    const second = await chat(key, body, { 'idempotency-key': 'stream-1' });
    assert.match(second.headers.get('content-type') ?? '', /event-stream/);
    assert.equal(await second.text(), first);
    assert.ok(first.endsWith('data: [DONE]\n\n'));
    assert.equal((await ledger(accountId)).length, 1);
  });

  test('a concurrent duplicate gets 409; a changed body gets 422', async () => {
    const { key, accountId } = await gateway.account(5);
    const slow = { ...BODY, messages: [{ role: 'user', content: 'slow [[sim:slow_first_byte=1500]]' }] };
    const firstPromise = chat(key, slow, { 'idempotency-key': 'dup-1' });
    let conflict: Response | undefined;
    for (let tries = 0; tries < 50 && !conflict; tries++) {
      const response = await chat(key, slow, { 'idempotency-key': 'dup-1' });
      if (response.status === 409) conflict = response;
      else await response.arrayBuffer();
    }
    assert.ok(conflict, 'a concurrent duplicate got 409');
    const conflictBody = (await conflict.json()) as any;
    assert.equal(conflictBody.error.code, 409);
    assert.equal((await firstPromise).status, 200);
    const changed = await chat(key, { ...slow, temperature: 0.5 }, { 'idempotency-key': 'dup-1' });
    assert.equal(changed.status, 422);
    assert.equal(((await changed.json()) as any).error.type, 'invalid_request_error');
    assert.equal((await ledger(accountId)).length, 1);
  });

  test('credit top-ups honour Idempotency-Key', async () => {
    const { accountId } = await gateway.account(1);
    const first = await gateway.admin(
      'POST',
      `/admin/accounts/${accountId}/credits`,
      { amount_usd: 2, note: 'invoice 7' },
      { 'idempotency-key': 'top-up-7' },
    );
    const again = await gateway.admin(
      'POST',
      `/admin/accounts/${accountId}/credits`,
      { amount_usd: 2, note: 'invoice 7' },
      { 'idempotency-key': 'top-up-7' },
    );
    assert.equal(first.status, 201);
    assert.equal(again.status, 200);
    assert.equal((await account(accountId)).balance_usd, 3);
    const mismatch = await gateway.admin(
      'POST',
      `/admin/accounts/${accountId}/credits`,
      { amount_usd: 5 },
      { 'idempotency-key': 'top-up-7' },
    );
    assert.equal(mismatch.status, 422);
    const correction = await gateway.admin('POST', `/admin/accounts/${accountId}/credits`, {
      amount_usd: -10,
    });
    assert.equal(correction.status, 400, 'a correction never takes the balance below zero');
  });
});

describe('rate limits', () => {
  test('1,000 concurrent requests against RPM=60 admit at most 60; 429s carry Retry-After', async () => {
    const { key } = await gateway.account(100, { rpm: 60 });
    const responses = await Promise.all(
      Array.from({ length: 1000 }, () =>
        chat(key, { model: 'sim-openai', messages: [{ role: 'user', content: 'x' }], max_tokens: 5 }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    await Promise.all(responses.map((response) => response.arrayBuffer()));
    const admitted = statuses.filter((status) => status === 200).length;
    assert.ok(admitted <= 60, `admitted ${admitted}`);
    assert.ok(admitted >= 1);
    // Everything else is refused: 429 by the limit, or 503 when the overload guard sheds the burst first.
    const limited = responses.filter((response) => response.status === 429);
    const shed = responses.filter((response) => response.status === 503);
    assert.equal(limited.length + shed.length, 1000 - admitted);
    assert.ok(limited.length > 0);
    for (const response of [...limited, ...shed]) assert.ok(Number(response.headers.get('retry-after')) >= 1);
    for (const response of limited) assert.equal(response.headers.get('x-ratelimit-limit-requests'), '60');
  });

  test('GET /v1/key reports the balance after spending', async () => {
    const { key } = await gateway.account(2);
    assert.equal((await chat(key, BODY)).status, 200);
    const info = (await (
      await fetch(`${gateway.url}/v1/key`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as any;
    assert.ok(info.balance_usd < 2 && info.balance_usd > 0);
  });
});

describe('usage reporting', () => {
  test('group_by day/model/key and CSV export', async () => {
    const { key, accountId, keyId } = await gateway.account(5);
    for (let index = 0; index < 3; index++) assert.equal((await chat(key, BODY)).status, 200);
    const rows = await ledger(accountId);
    assert.equal(rows.length, 3);
    const total = rows.reduce((sum, row) => sum + row.cost_micros, 0);
    for (const groupBy of ['day', 'model', 'key']) {
      const grouped = (await gateway.admin('GET', `/admin/usage?account_id=${accountId}&group_by=${groupBy}`))
        .body.data;
      assert.equal(grouped.length, 1, groupBy);
      assert.equal(grouped[0].requests, 3);
      assert.equal(grouped[0].cost_micros, total);
    }
    const byKey = (await gateway.admin('GET', `/admin/usage?account_id=${accountId}&group_by=key`)).body.data;
    assert.equal(byKey[0].key, keyId);
    const csv = await fetch(`${gateway.url}/admin/usage?account_id=${accountId}&format=csv`, {
      headers: { authorization: 'Bearer sk-admin-test-0123456789abcdef' },
    });
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    assert.equal(lines.length, 4);
    assert.ok(lines[0]!.startsWith('request_id,attempt,account_id'));
    const bad = await gateway.admin('GET', `/admin/usage?group_by=week`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.param, 'group_by');
  });
});

describe('account-wide limits', () => {
  test('RPM on the account is shared by all its keys', async () => {
    const created = await gateway.admin('POST', '/admin/accounts', {
      name: 'shared',
      credits_usd: 10,
      rpm: 3,
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.limits.rpm, 3);
    const keys: string[] = [];
    for (let index = 0; index < 2; index++) {
      keys.push((await gateway.admin('POST', '/admin/keys', { account_id: created.body.id })).body.key);
    }
    const statuses: number[] = [];
    for (let index = 0; index < 6; index++) {
      const response = await chat(keys[index % 2]!, {
        model: 'sim-openai',
        messages: [{ role: 'user', content: 'x' }],
        max_tokens: 5,
      });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429]);
    const relaxed = await gateway.admin('PUT', `/admin/accounts/${created.body.id}/limits`, { rpm: null });
    assert.equal(relaxed.body.limits.rpm, null);
    const after = await chat(keys[0]!, {
      model: 'sim-openai',
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: 5,
    });
    assert.equal(after.status, 200);
  });
});
