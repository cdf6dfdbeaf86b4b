/**
 * Dashboard sessions (issue 8): sign-in with the admin key or a customer key, the cookie's attributes,
 * sign-out, throttling, CSRF and Origin checks, and revocation ending a customer's session.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, startGateway, type Gateway } from '../helpers/gateway.ts';
import { signIn, withSession } from '../helpers/dashboard-client.ts';

let gateway: Gateway;

before(async () => {
  gateway = await startGateway();
});
after(async () => gateway.close());

describe('sign-in', () => {
  test('the admin key opens an admin session in an HttpOnly SameSite=Strict cookie; sign-out kills it', async () => {
    const session = await signIn(gateway.url, ADMIN_KEY);
    assert.equal(session.status, 201);
    assert.match(session.setCookie, /^portico_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\//);
    assert.equal(session.body.role, 'admin');
    assert.ok(!JSON.stringify(session.body).includes(ADMIN_KEY));
    const me = await withSession(gateway.url, session, 'GET', '/dashboard/session');
    assert.equal(me.status, 200);
    assert.equal(me.headers.get('cache-control'), 'no-store');
    assert.equal(me.headers.get('content-security-policy'), "default-src 'self'; frame-ancestors 'none'");
    const accounts = await withSession(gateway.url, session, 'GET', '/admin/accounts');
    assert.equal(accounts.status, 200);
    assert.equal((await withSession(gateway.url, session, 'DELETE', '/dashboard/session')).status, 204);
    assert.equal((await withSession(gateway.url, session, 'GET', '/dashboard/session')).status, 401);
    assert.equal((await withSession(gateway.url, session, 'GET', '/admin/accounts')).status, 401);
  });

  test('a customer key opens an account session scoped to its account; admin calls get 403', async () => {
    const customer = await gateway.account(3);
    const session = await signIn(gateway.url, customer.key);
    assert.equal(session.status, 201);
    assert.equal(session.body.role, 'account');
    assert.equal(session.body.account.id, customer.accountId);
    assert.ok(!JSON.stringify(session.body).includes(customer.key));
    assert.equal((await withSession(gateway.url, session, 'GET', '/admin/accounts')).status, 403);
    assert.equal((await withSession(gateway.url, session, 'GET', '/admin/logs')).status, 403);
    const mine = await withSession(gateway.url, session, 'GET', '/account');
    assert.equal(mine.status, 200);
    assert.equal(mine.body.account.id, customer.accountId);
    assert.equal(mine.body.low_balance, true);
  });

  test('wrong, revoked and expired keys fail with 401 and no cookie', async () => {
    const revoked = await gateway.account(1);
    await gateway.admin('DELETE', `/admin/keys/${revoked.keyId}`);
    const expired = await gateway.account(1, { expires_at: new Date(Date.now() - 1000).toISOString() });
    for (const key of ['sk-port-nope', revoked.key, expired.key]) {
      const attempt = await signIn(gateway.url, key, '10.0.0.1');
      assert.equal(attempt.status, 401);
      assert.equal(attempt.setCookie, '');
    }
    const audit = await gateway.admin('GET', '/admin/audit?action=session.fail');
    assert.ok(audit.body.data.length >= 3);
  });

  test('the operator can switch dashboard sign-in off for an account', async () => {
    const customer = await gateway.account(1);
    const patched = await gateway.admin('PATCH', `/admin/accounts/${customer.accountId}`, {
      dashboard_login: false,
    });
    assert.equal(patched.body.dashboard_login, false);
    assert.equal((await signIn(gateway.url, customer.key)).status, 401);
  });
});

describe('CSRF and Origin', () => {
  test('a write without X-CSRF-Token, or from a foreign Origin, gets 403; with both it works', async () => {
    const session = await signIn(gateway.url, ADMIN_KEY);
    const body = { name: 'csrf' };
    const noToken = await withSession(gateway.url, session, 'POST', '/admin/accounts', body, { csrf: false });
    assert.equal(noToken.status, 403);
    const foreign = await withSession(gateway.url, session, 'POST', '/admin/accounts', body, {
      origin: 'https://evil.example',
    });
    assert.equal(foreign.status, 403);
    const ok = await withSession(gateway.url, session, 'POST', '/admin/accounts', body);
    assert.equal(ok.status, 201);
  });

  test('a cross-origin sign-in is refused', async () => {
    const attempt = await signIn(gateway.url, ADMIN_KEY, undefined, 'https://evil.example');
    assert.equal(attempt.status, 403);
  });
});

describe('revocation', () => {
  test("revoking a customer's key ends the session at its next request", async () => {
    const customer = await gateway.account(2);
    const session = await signIn(gateway.url, customer.key);
    assert.equal((await withSession(gateway.url, session, 'GET', '/account')).status, 200);
    assert.equal((await gateway.admin('DELETE', `/admin/keys/${customer.keyId}`)).status, 200);
    assert.equal((await withSession(gateway.url, session, 'GET', '/account')).status, 401);
    const audit = await gateway.admin('GET', `/admin/audit?action=key.revoke&target=${customer.keyId}`);
    assert.equal(audit.body.data.length, 1);
    assert.equal(audit.body.data[0].actor, 'admin');
  });
});

describe('throttling', () => {
  test('the sixth failed sign-in in a minute from one IP gets 429, even with a right key', async () => {
    const throttled = await startGateway();
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        assert.equal((await signIn(throttled.url, `sk-port-wrong-${attempt}`)).status, 401);
      }
      assert.equal((await signIn(throttled.url, ADMIN_KEY)).status, 429);
    } finally {
      await throttled.close();
    }
  });
});
