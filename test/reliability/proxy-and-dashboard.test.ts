/**
 * Issue 17, Medium 8 and Lows: behind a trusted proxy each client has its own address (sign-in
 * throttling, audit), a forged X-Forwarded-For from anyone else changes nothing; the cookie is Secure
 * behind a TLS proxy; the sign-in 429 carries Retry-After; the audit never holds part of a submitted
 * secret; the Origin check applies to the decoded path; sign-out needs the CSRF token; /metrics is
 * not for forwarded clients.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, startGateway, type Gateway } from '../helpers/gateway.ts';
import { signIn, withSession } from '../helpers/dashboard-client.ts';

function attempt(
  gateway: Gateway,
  key: string,
  headers: Record<string, string> = {},
  path = '/dashboard/session',
) {
  return fetch(gateway.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: gateway.url, ...headers },
    body: JSON.stringify({ key }),
  });
}

describe('behind a trusted proxy', () => {
  let gateway: Gateway;
  before(async () => {
    gateway = await startGateway({ server: { trust_proxy: ['127.0.0.1', '::1'] } });
  });
  after(async () => gateway.close());

  test('five bad sign-ins from one client do not lock out the others, the operator included', async () => {
    for (let index = 0; index < 5; index++) {
      const response = await attempt(gateway, `sk-wrong-${index}-secretpart`, {
        'x-forwarded-for': '203.0.113.7',
      });
      assert.equal(response.status, 401);
    }
    const blocked = await attempt(gateway, 'sk-wrong-9-secretpart', { 'x-forwarded-for': '203.0.113.7' });
    assert.equal(blocked.status, 429);
    assert.equal(blocked.headers.get('retry-after'), '60');
    const body = (await blocked.json()) as any;
    assert.equal(body.error.type, 'rate_limit_error');
    const operator = await attempt(gateway, ADMIN_KEY, { 'x-forwarded-for': '198.51.100.20' });
    assert.equal(operator.status, 201);
  });

  test('the audit names the client address and no part of a failed secret', async () => {
    const failures = await gateway.services.store.auditPage({ action: 'session.fail', limit: 50 });
    assert.ok(failures.length >= 5);
    for (const entry of failures) {
      assert.equal(entry.detail.ip, '203.0.113.7');
      assert.doesNotMatch(entry.target, /sk-wrong|secretpart/);
      assert.doesNotMatch(JSON.stringify(entry.detail), /sk-wrong|secretpart/);
    }
  });

  test('the session cookie is Secure when the proxy says the client used https', async () => {
    const response = await attempt(gateway, ADMIN_KEY, {
      'x-forwarded-for': '198.51.100.21',
      'x-forwarded-proto': 'https',
    });
    assert.equal(response.status, 201);
    assert.match(response.headers.get('set-cookie') ?? '', /; Secure/);
  });

  test('/metrics needs the admin key when the request came through the proxy', async () => {
    const open = await fetch(`${gateway.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.8' } });
    assert.equal(open.status, 401);
    const admin = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    assert.equal(admin.status, 200);
  });
});

describe('without a trusted proxy', () => {
  let gateway: Gateway;
  before(async () => {
    gateway = await startGateway();
  });
  after(async () => gateway.close());

  test('a forged X-Forwarded-For does not give a client a fresh address', async () => {
    for (let index = 0; index < 5; index++) {
      const response = await attempt(gateway, `sk-guess-${index}-aaaaaaaa`, {
        'x-forwarded-for': `192.0.2.${index}`,
      });
      assert.equal(response.status, 401);
    }
    const next = await attempt(gateway, 'sk-guess-7-aaaaaaaa', { 'x-forwarded-for': '192.0.2.99' });
    assert.equal(next.status, 429);
  });
});

describe('dashboard checks on the decoded path and on sign-out', () => {
  let gateway: Gateway;
  before(async () => {
    gateway = await startGateway();
  });
  after(async () => gateway.close());

  test('a cross-origin sign-in through an encoded path is refused', async () => {
    const response = await attempt(
      gateway,
      ADMIN_KEY,
      { origin: 'https://evil.example' },
      '/dashboard/%73ession',
    );
    assert.equal(response.status, 403);
  });

  test('a double-encoded static path is a 404 or the page, never a 500', async () => {
    for (const path of [
      '/dashboard/%2525zz.js',
      '/dashboard/assets/%25E0%25A4%25A.css',
      '/dashboard/%252e%252e/%252e%252e/package.json',
    ]) {
      const response = await fetch(gateway.url + path);
      assert.ok(
        response.status === 404 || response.status === 200 || response.status === 503,
        `${path}: ${response.status}`,
      );
    }
  });

  test('signing out needs the CSRF token', async () => {
    const session = await signIn(gateway.url, ADMIN_KEY);
    assert.equal(session.status, 201);
    const forged = await withSession(gateway.url, session, 'DELETE', '/dashboard/session', undefined, {
      csrf: false,
    });
    assert.equal(forged.status, 403);
    assert.equal((await withSession(gateway.url, session, 'GET', '/dashboard/session')).status, 200);
    const real = await withSession(gateway.url, session, 'DELETE', '/dashboard/session');
    assert.equal(real.status, 204);
  });
});

describe('the dashboard session guard stays on its own routes', () => {
  let gateway: Gateway;
  before(async () => {
    gateway = await startGateway();
  });
  after(async () => gateway.close());

  test('a client call with x-api-key and a leftover session cookie is not refused for CSRF', async () => {
    const { key } = await gateway.account(5);
    const session = await signIn(gateway.url, key);
    assert.equal(session.status, 201);
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-api-key': key, cookie: session.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-openai', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 200, await response.text());
  });
});
