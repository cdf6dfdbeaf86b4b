/**
 * Issue 17, Medium 4: through `PATCH /account/keys/{id}` a customer re-enables only what it disabled
 * itself: not a key the operator disabled, not one that expired, and never past the calling key's
 * models and limits.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

let gateway: Gateway;
let accountId: string;
let parent: string;

before(async () => {
  gateway = await startGateway();
  const created = await gateway.account(10, { models: ['sim-openai'], rpm: 10 });
  accountId = created.accountId;
  parent = created.key;
});
after(async () => gateway.close());

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
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function operatorKey(fields: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const created = await gateway.admin('POST', '/admin/keys', { account_id: accountId, ...fields });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { id: created.body.id, key: created.body.key };
}

async function usable(key: string): Promise<boolean> {
  return (await call(key, 'GET', '/v1/key')).status === 200;
}

test('a key that expired on its own stays expired', async () => {
  const expired = await operatorKey({ models: ['sim-openai'], rpm: 5, expires_at: '2020-01-01T00:00:00Z' });
  const answer = await call(parent, 'PATCH', `/account/keys/${expired.id}`, { disabled: false });
  assert.equal(answer.status, 403, JSON.stringify(answer.body));
  assert.equal(await usable(expired.key), false);
  // "Disabling" it first does not launder the expiry either.
  assert.equal((await call(parent, 'PATCH', `/account/keys/${expired.id}`, { disabled: true })).status, 200);
  assert.equal((await call(parent, 'PATCH', `/account/keys/${expired.id}`, { disabled: false })).status, 403);
  assert.equal(await usable(expired.key), false);
});

test('a key the operator disabled stays disabled', async () => {
  const key = await operatorKey({ models: ['sim-openai'], rpm: 5 });
  const disabled = await gateway.admin('PATCH', `/admin/keys/${key.id}`, {
    expires_at: new Date().toISOString(),
  });
  assert.equal(disabled.status, 200);
  assert.equal((await call(parent, 'PATCH', `/account/keys/${key.id}`, { disabled: false })).status, 403);
  assert.equal(await usable(key.key), false);
});

test('the operator changing the expiry after a customer disabled the key wins', async () => {
  const key = await operatorKey({ models: ['sim-openai'], rpm: 5 });
  assert.equal((await call(parent, 'PATCH', `/account/keys/${key.id}`, { disabled: true })).status, 200);
  const changed = await gateway.admin('PATCH', `/admin/keys/${key.id}`, {
    expires_at: '2021-06-01T00:00:00Z',
  });
  assert.equal(changed.status, 200);
  assert.equal((await call(parent, 'PATCH', `/account/keys/${key.id}`, { disabled: false })).status, 403);
  assert.equal(await usable(key.key), false);
});

test('a key wider than the calling key cannot be turned back on by it', async () => {
  const wide = await operatorKey({ models: null, rpm: 1000 });
  assert.equal((await call(wide.key, 'PATCH', `/account/keys/${wide.id}`, { disabled: true })).status, 200);
  const answer = await call(parent, 'PATCH', `/account/keys/${wide.id}`, { disabled: false });
  assert.equal(answer.status, 400, JSON.stringify(answer.body));
  assert.equal(answer.body.error.param, 'models');
  assert.equal(await usable(wide.key), false);
});

test("a key the customer disabled comes back with its own expiry, never past the caller's", async () => {
  const expiry = new Date(Date.now() + 3_600_000).toISOString();
  const key = await operatorKey({ models: ['sim-openai'], rpm: 5, expires_at: expiry });
  assert.equal((await call(parent, 'PATCH', `/account/keys/${key.id}`, { disabled: true })).status, 200);
  assert.equal(await usable(key.key), false);
  const answer = await call(parent, 'PATCH', `/account/keys/${key.id}`, { disabled: false });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(answer.body.expires_at, expiry);
  assert.equal(await usable(key.key), true);
});
