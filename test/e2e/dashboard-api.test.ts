/**
 * The dashboard's API (issue 8) as scripts use it: every NEW admin endpoint, the customer API, and the
 * isolation cases — customer A naming B's account, key or logs gets 403/404 and none of B's data.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, startGateway, type Gateway } from '../helpers/gateway.ts';

let gateway: Gateway;
let a: { accountId: string; key: string; keyId: string };
let b: { accountId: string; key: string; keyId: string };

async function call(key: string, method: string, path: string, body?: unknown) {
  const response = await fetch(gateway.url + path, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, body: json, text, headers: response.headers };
}

async function chat(key: string, model = 'sim-openai') {
  const response = await call(key, 'POST', '/v1/chat/completions', {
    model,
    messages: [{ role: 'user', content: 'hello' }],
    max_tokens: 50,
  });
  assert.equal(response.status, 200, response.text);
}

before(async () => {
  gateway = await startGateway();
  a = await gateway.account(20, { rpm: 100, models: ['sim-openai'] });
  b = await gateway.account(30);
  await chat(a.key);
  await chat(a.key);
  await chat(b.key);
});
after(async () => gateway.close());

describe('admin console endpoints', () => {
  test('GET /admin/logs pages with a cursor and filters; totals cover the whole view', async () => {
    const first = await call(ADMIN_KEY, 'GET', '/admin/logs?limit=2');
    assert.equal(first.status, 200);
    assert.equal(first.body.data.length, 2);
    assert.equal(first.body.totals.requests, 3);
    assert.ok(first.body.next_cursor);
    const second = await call(ADMIN_KEY, 'GET', `/admin/logs?limit=2&cursor=${first.body.next_cursor}`);
    assert.equal(second.body.data.length, 1);
    assert.equal(second.body.next_cursor, null);
    const onlyA = await call(
      ADMIN_KEY,
      'GET',
      `/admin/logs?account_id=${a.accountId}&status=ok&tz=Asia/Kolkata`,
    );
    assert.equal(onlyA.body.data.length, 2);
    assert.match(onlyA.body.data[0].created_at, /\+05:30$/);
    assert.equal((await call(ADMIN_KEY, 'GET', '/admin/logs?status=error')).body.data.length, 0);
    assert.equal((await call(ADMIN_KEY, 'GET', '/admin/logs?cursor=garbage')).status, 400);
    assert.equal((await call(ADMIN_KEY, 'GET', '/admin/logs?tz=Mars/Olympus')).status, 400);
  });

  test('GET /admin/logs.csv has the same rows as the view and sums to its total', async () => {
    const view = await call(ADMIN_KEY, 'GET', `/admin/logs?account_id=${a.accountId}`);
    const csv = await call(ADMIN_KEY, 'GET', `/admin/logs.csv?account_id=${a.accountId}`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    const header = lines[0]!.split(',');
    assert.equal(lines.length - 1, view.body.totals.requests);
    const sum = lines
      .slice(1)
      .reduce(
        (total, line) => total + Math.round(Number(line.split(',')[header.indexOf('cost_usd')]) * 1e6),
        0,
      );
    assert.equal(sum, view.body.totals.cost_micros);
  });

  test('GET /admin/accounts/:id/ledger and PATCH /admin/accounts/:id (rename, suspend, dashboard sign-in)', async () => {
    await gateway.admin('POST', `/admin/accounts/${a.accountId}/credits`, { amount_usd: 5, note: 'bonus' });
    const ledger = await call(ADMIN_KEY, 'GET', `/admin/accounts/${a.accountId}/ledger`);
    assert.equal(ledger.body.data[0].note, 'bonus');
    assert.equal(ledger.body.data[0].amount_usd, 5);
    const renamed = await call(ADMIN_KEY, 'PATCH', `/admin/accounts/${b.accountId}`, {
      name: 'Beta',
      status: 'suspended',
    });
    assert.equal(renamed.body.name, 'Beta');
    assert.equal(renamed.body.status, 'suspended');
    await call(ADMIN_KEY, 'PATCH', `/admin/accounts/${b.accountId}`, { status: 'active' });
    assert.equal((await call(ADMIN_KEY, 'PATCH', '/admin/accounts/acct_missing', { name: 'x' })).status, 404);
    const audit = await call(ADMIN_KEY, 'GET', `/admin/audit?target=${b.accountId}`);
    assert.ok(audit.body.data.some((entry: any) => entry.action === 'account.rename'));
  });

  test('POST /admin/keys/:id/rotate issues a new key with the same limits and revokes the old one', async () => {
    const victim = await gateway.admin('POST', '/admin/keys', {
      account_id: a.accountId,
      name: 'rot',
      rpm: 7,
      models: ['sim-openai'],
    });
    const rotated = await call(ADMIN_KEY, 'POST', `/admin/keys/${victim.body.id}/rotate`);
    assert.equal(rotated.status, 201);
    assert.match(rotated.body.key, /^sk-port-/);
    assert.equal(rotated.body.rpm, 7);
    assert.deepEqual(rotated.body.models, ['sim-openai']);
    assert.equal((await call(victim.body.key, 'GET', '/v1/key')).status, 401);
    assert.equal((await call(rotated.body.key, 'GET', '/v1/key')).status, 200);
    assert.equal((await call(ADMIN_KEY, 'POST', `/admin/keys/${victim.body.id}/rotate`)).status, 404);
  });

  test('GET /admin/keys/activity, /admin/models, /admin/status, /admin/usage/summary', async () => {
    const activity = await call(ADMIN_KEY, 'GET', '/admin/keys/activity');
    const mine = activity.body.data.find((entry: any) => entry.key_id === a.keyId);
    assert.equal(mine.requests, 2);
    assert.ok(mine.last_used_at);
    assert.ok(mine.spend_usd > 0);
    const models = await call(ADMIN_KEY, 'GET', '/admin/models');
    assert.ok(
      models.body.data.some(
        (model: any) => model.id === 'sim-openai' && model.pricing.unit === 'USD per 1M tokens',
      ),
    );
    const status = await call(ADMIN_KEY, 'GET', '/admin/status');
    assert.equal(status.body.version, '0.1.0');
    assert.ok(!status.text.includes('upstream-openai-key-canary'), 'provider keys are redacted');
    assert.ok(!status.text.includes(ADMIN_KEY));
    const summary = await call(
      ADMIN_KEY,
      'GET',
      `/admin/usage/summary?group_by=day&tz=America/Los_Angeles&from=${new Date(Date.now() - 86_400_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`,
    );
    assert.equal(summary.body.totals.requests, 3);
    assert.equal(
      summary.body.data.reduce((sum: number, day: any) => sum + day.cost_micros, 0),
      summary.body.totals.cost_micros,
    );
    assert.ok(summary.body.totals.latency_ms.p50 >= 0);
    assert.equal((await call(ADMIN_KEY, 'GET', '/admin/usage/summary?group_by=week')).status, 400);
  });

  test('customer keys get 403 from every new admin endpoint', async () => {
    for (const path of [
      '/admin/logs',
      '/admin/logs.csv',
      '/admin/models',
      '/admin/audit',
      '/admin/status',
      '/admin/keys/activity',
      `/admin/accounts/${a.accountId}/ledger`,
    ]) {
      assert.equal((await call(a.key, 'GET', path)).status, 403, path);
    }
    assert.equal((await call(a.key, 'POST', `/admin/keys/${a.keyId}/rotate`)).status, 403);
  });
});

describe('customer API and isolation', () => {
  test('GET /account, /account/usage, /account/ledger, /account/models describe only the caller', async () => {
    const me = await call(a.key, 'GET', '/account');
    assert.equal(me.body.account.id, a.accountId);
    const usage = await call(a.key, 'GET', '/account/usage?group_by=model');
    assert.equal(usage.body.totals.requests, 2);
    const ledger = await call(a.key, 'GET', '/account/ledger');
    assert.ok(ledger.body.data.every((entry: any) => entry.actor === undefined));
    const models = await call(a.key, 'GET', '/account/models');
    assert.deepEqual(
      models.body.data.map((model: any) => model.id),
      ['sim-openai'],
    );
    assert.equal(models.body.data[0].deployments, undefined);
  });

  test("A asking for B's logs, usage or keys sees none of B's data", async () => {
    const logs = await call(a.key, 'GET', `/account/logs?account_id=${b.accountId}&key_id=${b.keyId}`);
    assert.equal(logs.status, 200);
    assert.equal(logs.body.data.length, 0);
    const all = await call(a.key, 'GET', `/account/logs?account_id=${b.accountId}`);
    assert.ok(all.body.data.every((row: any) => row.key_id !== b.keyId && row.account_id === undefined));
    const csv = await call(a.key, 'GET', `/account/logs.csv?account_id=${b.accountId}`);
    assert.ok(!csv.text.includes(b.keyId));
    const usage = await call(a.key, 'GET', `/account/usage?key_id=${b.keyId}`);
    assert.equal(usage.body.totals.requests, 0);
    assert.equal((await call(a.key, 'GET', '/account/usage?group_by=account')).status, 400);
    const keys = await call(a.key, 'GET', '/account/keys');
    assert.ok(keys.body.data.every((key: any) => key.account_id === a.accountId));
    assert.equal((await call(a.key, 'PATCH', `/account/keys/${b.keyId}`, { name: 'mine now' })).status, 404);
    assert.equal((await call(a.key, 'DELETE', `/account/keys/${b.keyId}`)).status, 404);
    assert.equal((await call(b.key, 'GET', '/v1/key')).status, 200, "B's key still works");
  });

  test('POST /account/keys needs the key re-entered and stays within its limits', async () => {
    assert.equal((await call(a.key, 'POST', '/account/keys', { current_key: 'sk-port-wrong' })).status, 403);
    assert.equal((await call(a.key, 'POST', '/account/keys', { current_key: a.key, rpm: 1000 })).status, 400);
    assert.equal(
      (await call(a.key, 'POST', '/account/keys', { current_key: a.key, models: ['gemini-2.5-flash'] }))
        .status,
      400,
    );
    const created = await call(a.key, 'POST', '/account/keys', { current_key: a.key, name: 'child' });
    assert.equal(created.status, 201);
    assert.equal(created.body.rpm, 100);
    assert.deepEqual(created.body.models, ['sim-openai']);
    const listed = await call(a.key, 'GET', '/account/keys');
    assert.ok(!listed.text.includes(created.body.key));
    const disabled = await call(a.key, 'PATCH', `/account/keys/${created.body.id}`, { disabled: true });
    assert.ok(Date.parse(disabled.body.expires_at) <= Date.now());
    assert.equal((await call(created.body.key, 'GET', '/v1/key')).status, 401);
    assert.equal((await call(a.key, 'DELETE', `/account/keys/${created.body.id}`)).status, 200);
  });

  test('the admin key is refused on the customer API', async () => {
    assert.equal((await call(ADMIN_KEY, 'GET', '/account')).status, 401);
  });
});
