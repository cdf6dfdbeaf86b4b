/**
 * Issue 17, Lows on the admin side: strict admin parsing (no coercion, no zero credit, real ISO times),
 * a throttle on admin-key guesses, paginated listings, and a cap on the keys a customer may create.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

let gateway: Gateway;
let accountId: string;
let customerKey: string;

before(async () => {
  gateway = await startGateway({ server: { max_keys_per_account: 2 } });
  ({ accountId, key: customerKey } = await gateway.account(5));
});
after(async () => gateway.close());

test('admin bodies are parsed strictly: no string numbers, no zero credit, no "1" as a time', async () => {
  const credit = await gateway.admin('POST', `/admin/accounts/${accountId}/credits`, { amount_usd: '5' });
  assert.equal(credit.status, 400, JSON.stringify(credit.body));
  assert.equal(credit.body.error.param, 'amount_usd');
  const zero = await gateway.admin('POST', `/admin/accounts/${accountId}/credits`, { amount_usd: 0 });
  assert.equal(zero.status, 400);
  const time = await gateway.admin('POST', '/admin/keys', { account_id: accountId, expires_at: '1' });
  assert.equal(time.status, 400);
  assert.equal(time.body.error.param, 'expires_at');
  const models = await gateway.admin('POST', '/admin/keys', { account_id: accountId, models: 'sim-openai' });
  assert.equal(models.status, 400);
  const rpm = await gateway.admin('POST', '/admin/keys', { account_id: accountId, rpm: '10' });
  assert.equal(rpm.status, 400);
  const fine = await gateway.admin('POST', `/admin/accounts/${accountId}/credits`, { amount_usd: 5 });
  assert.equal(fine.status, 201);
});

test('listings are paginated', async () => {
  for (let index = 0; index < 4; index++)
    await gateway.admin('POST', '/admin/accounts', { name: `p${index}` });
  const first = await gateway.admin('GET', '/admin/accounts?limit=2');
  assert.equal(first.status, 200);
  assert.equal(first.body.data.length, 2);
  assert.equal(first.body.has_more, true);
  const second = await gateway.admin('GET', `/admin/accounts?limit=2&after=${first.body.next}`);
  assert.equal(second.body.data.length, 2);
  assert.notEqual(second.body.data[0].id, first.body.data[0].id);
  assert.equal((await gateway.admin('GET', '/admin/keys?limit=0')).status, 400);
  assert.equal((await gateway.admin('GET', '/admin/keys?limit=5000')).status, 400);
});

test('a customer creates keys up to server.max_keys_per_account', async () => {
  const create = () =>
    fetch(`${gateway.url}/account/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${customerKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ current_key: customerKey, name: 'more' }),
    });
  assert.equal((await create()).status, 201);
  const refused = await create();
  assert.equal(refused.status, 400);
  assert.match(((await refused.json()) as any).error.message, /max_keys_per_account/);
});

test('admin-key guesses are throttled per client address', async () => {
  const guess = (index: number) =>
    fetch(`${gateway.url}/admin/accounts`, { headers: { authorization: `Bearer sk-admin-guess-${index}` } });
  for (let index = 0; index < 10; index++) assert.equal((await guess(index)).status, 401);
  const blocked = await guess(10);
  assert.equal(blocked.status, 429);
  assert.equal(blocked.headers.get('retry-after'), '60');
  assert.equal(((await blocked.json()) as any).error.type, 'rate_limit_error');
});
