/**
 * DASHBOARD.md §(e) scenarios 1–5 and 10 in headless Chromium against a real Portico with the simulator
 * upstream: sign-in and cookies, failed sign-in and throttling, credits, a key shown once, customer
 * isolation, revocation and CSRF.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_KEY, startGateway, type Gateway } from '../helpers/gateway.ts';
import { testsSkippedWhen } from '../helpers/requirements.ts';
import { launch, newPage, screenshot, signInUi, skipReason } from './browser-harness.ts';

const skip = skipReason();
const test = testsSkippedWhen(skip);

let gateway: Gateway;
let browser: Browser;
const state: { accountId?: string; keyId?: string; key?: string } = {};

async function storageHasNoSecrets(page: Page, secrets: string[]): Promise<void> {
  // A string, not a function: tsx's name helpers do not exist inside the page.
  const visible = String(
    await page.evaluate(`[document.cookie,
      ...Object.keys(localStorage).map((name) => name + '=' + localStorage.getItem(name)),
      ...Object.keys(sessionStorage).map((name) => name + '=' + sessionStorage.getItem(name))].join('|')`),
  );
  assert.ok(!visible.includes('sk-'), `browser-readable state holds a key: ${visible}`);
  for (const secret of secrets) assert.ok(!visible.includes(secret));
}

describe('dashboard security scenarios (browser)', () => {
  before(async () => {
    if (skip) return;
    gateway = await startGateway();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await gateway?.close();
  });

  test('1. admin sign-in: HttpOnly + SameSite=Strict cookie, nothing readable, old cookie dead after sign-out', async () => {
    const { context, page } = await newPage(browser);
    await signInUi(page, gateway, ADMIN_KEY);
    await page.waitForSelector('text=Overview');
    await page.waitForURL(/\/dashboard\/admin$/);
    const [cookie] = await context.cookies();
    assert.equal(cookie?.name, 'portico_session');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');
    assert.equal(await page.inputValue('#key').catch(() => ''), '');
    await storageHasNoSecrets(page, [ADMIN_KEY, cookie?.value ?? '']);
    await screenshot(page, 'admin-overview');
    await page.click('text=Sign out');
    await page.waitForSelector('#key');
    const replay = await fetch(`${gateway.url}/admin/accounts`, {
      headers: { cookie: `portico_session=${cookie?.value}` },
    });
    assert.equal(replay.status, 401);
    await context.close();
  });

  test('2. failed sign-in (wrong token, expired key): error, no cookie; the 6th try in a minute gets 429', async () => {
    const own = await startGateway();
    const { context, page } = await newPage(browser);
    try {
      const expired = await own.account(1, { expires_at: new Date(Date.now() - 60_000).toISOString() });
      const attempts = [
        'sk-port-wrong-token',
        expired.key,
        'sk-port-wrong-2',
        'sk-port-wrong-3',
        'sk-port-wrong-4',
      ];
      for (const key of attempts) {
        await signInUi(page, own, key);
        await page.waitForSelector('[data-testid=sign-in-error]');
        assert.match((await page.textContent('[data-testid=sign-in-error]')) ?? '', /Sign-in failed/);
        assert.deepEqual(await context.cookies(), []);
      }
      await screenshot(page, 'sign-in-failed');
      await signInUi(page, own, ADMIN_KEY);
      await page.waitForSelector('text=Too many failed attempts');
      assert.deepEqual(await context.cookies(), []);
    } finally {
      await context.close();
      await own.close();
    }
  });

  test('3. credits: create an account, add $25.00 with a note; balance, ledger row and audit entry show', async () => {
    const { context, page } = await newPage(browser);
    await signInUi(page, gateway, ADMIN_KEY);
    await page.click('nav >> text=Accounts');
    await page.fill('input[name=account-name]', 'Acme Corp');
    await page.click('text=Create account');
    await page.waitForURL(/\/admin\/accounts\/acct_/);
    state.accountId = decodeURIComponent(page.url().split('/').pop() ?? '');
    await page.fill('input[name=credit-amount]', '25');
    await page.fill('input[name=credit-note]', 'welcome top-up');
    await page.click('button:has-text("Add credits")');
    await page.waitForSelector('[data-testid=account-balance] >> text=$25.00 USD');
    const ledger = await page.textContent('[data-testid=ledger-table]');
    assert.match(ledger ?? '', /\$25\.00 USD/);
    assert.match(ledger ?? '', /welcome top-up/);
    await screenshot(page, 'admin-account-detail');
    await page.click('nav >> text=Audit');
    await page.fill('input[name=audit-action]', 'account.credit');
    await page.click('button:has-text("Filter")');
    await page.waitForSelector(`[data-testid=audit-table] >> text=${state.accountId}`);
    assert.match((await page.textContent('[data-testid=audit-table]')) ?? '', /account\.credit.*2500000{2}/s);
    await screenshot(page, 'admin-audit');
    await context.close();
  });

  test('4. key shown once: allow-list, RPM 60, expiry; the modal needs "I copied it"; later only the prefix', async () => {
    const { context, page } = await newPage(browser);
    await signInUi(page, gateway, ADMIN_KEY);
    await page.click('nav >> text=Keys');
    await page.selectOption('select[name=key-account]', state.accountId ?? '');
    await page.fill('input[name=key-name]', 'production');
    await page.check('input[name="model-gemini-2.5-flash"]');
    await page.fill('input[name=key-rpm]', '60');
    await page.fill('input[name=key-expires]', '2099-01-01T12:00');
    await page.click('button:has-text("Create key")');
    const secret = (await page.textContent('[data-testid=new-key]')) ?? '';
    assert.match(secret, /^sk-port-/);
    assert.equal(await page.isDisabled('dialog >> text=Close').catch(() => true), true);
    assert.equal(await page.isDisabled('.modal button:has-text("Close")'), true);
    await page.check('text=I copied it');
    await page.click('.modal button:has-text("Close")');
    state.key = secret;
    await page.reload();
    await page.waitForSelector('[data-testid=keys-table] >> text=production');
    const content = await page.content();
    assert.ok(!content.includes(secret), 'the full key is on the page after a reload');
    assert.ok(content.includes(secret.slice(0, 14)), 'the prefix is shown');
    const list = await gateway.admin('GET', '/admin/keys');
    assert.ok(!JSON.stringify(list.body).includes(secret));
    const created = list.body.data.find((key: any) => key.name === 'production');
    assert.deepEqual(created.models, ['gemini-2.5-flash']);
    assert.equal(created.rpm, 60);
    state.keyId = created.id;
    await screenshot(page, 'admin-keys');
    await context.close();
  });

  test("5. customer isolation: own data only; /admin pages redirect, admin API 403, another account's ids 404", async () => {
    const other = await gateway.account(7);
    const { context, page } = await newPage(browser);
    await signInUi(page, gateway, state.key ?? '');
    await page.waitForURL(/\/dashboard\/account$/);
    await page.waitForSelector('[data-testid=balance] >> text=$25.00 USD');
    await storageHasNoSecrets(page, [state.key ?? '']);
    await page.click('nav >> text=Keys');
    await page.waitForSelector('[data-testid=keys-table] >> text=production');
    assert.ok(!((await page.textContent('[data-testid=keys-table]')) ?? '').includes(other.keyId));
    await page.goto(`${gateway.url}/dashboard/admin/accounts/${other.accountId}`);
    await page.waitForURL(/\/dashboard\/account$/);
    const answers = await page.evaluate(
      async ([accountId, keyId]) => {
        const admin = await fetch('/admin/accounts');
        const foreignKey = await fetch(`/account/keys/${keyId}`, {
          method: 'DELETE',
          headers: { 'x-csrf-token': 'irrelevant' },
        });
        const session: any = await (await fetch('/dashboard/session')).json();
        const csrf = { 'x-csrf-token': session.csrf_token, 'content-type': 'application/json' };
        const patch = await fetch(`/account/keys/${keyId}`, {
          method: 'PATCH',
          headers: csrf,
          body: '{"name":"x"}',
        });
        const logs: any = await (await fetch(`/account/logs?account_id=${accountId}`)).json();
        return {
          admin: admin.status,
          foreignKey: foreignKey.status,
          patch: patch.status,
          logAccounts: logs.data.map((row: { key_id: string }) => row.key_id),
        };
      },
      [other.accountId, other.keyId],
    );
    assert.equal(answers.admin, 403);
    assert.equal(answers.foreignKey, 403, 'a write without the real CSRF token is refused first');
    assert.equal(answers.patch, 404);
    assert.ok(answers.logAccounts.every((keyId: string) => keyId !== other.keyId));
    await screenshot(page, 'customer-keys');
    await context.close();
  });

  test('10. revocation and CSRF: revoked key -> next click lands on sign-in; no token or foreign Origin -> 403; audit key.revoke', async () => {
    const customer = await gateway.account(5);
    const { context, page } = await newPage(browser);
    await signInUi(page, gateway, customer.key);
    await page.waitForSelector('[data-testid=balance]');
    const [cookie] = await context.cookies();
    const noToken = await page.evaluate(
      async () =>
        (
          await fetch('/account/keys', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          })
        ).status,
    );
    assert.equal(noToken, 403);
    const session = await page.evaluate(
      async () => ((await (await fetch('/dashboard/session')).json()) as any).csrf_token as string,
    );
    const foreign = await fetch(`${gateway.url}/account/keys/${customer.keyId}`, {
      method: 'PATCH',
      headers: {
        cookie: `portico_session=${cookie?.value}`,
        'x-csrf-token': session,
        origin: 'https://attacker.example',
        'content-type': 'application/json',
      },
      body: '{"name":"pwned"}',
    });
    assert.equal(foreign.status, 403);

    const admin = await newPage(browser);
    await signInUi(admin.page, gateway, ADMIN_KEY);
    await admin.page.click('nav >> text=Keys');
    admin.page.once('dialog', (dialog) => void dialog.accept());
    await admin.page.click(`tr[data-key-id="${customer.keyId}"] >> button:has-text("Delete")`);
    await admin.page.waitForSelector(`tr[data-key-id="${customer.keyId}"] >> text=deleted`);

    await page.click('nav >> text=Logs');
    await page.waitForSelector('#key');
    await admin.page.click('nav >> text=Audit');
    await admin.page.fill('input[name=audit-action]', 'key.revoke');
    await admin.page.click('button:has-text("Filter")');
    await admin.page.waitForSelector(`[data-testid=audit-table] >> text=${customer.keyId}`);
    const row =
      (await admin.page.textContent(`[data-testid=audit-table] tr:has-text("${customer.keyId}")`)) ?? '';
    assert.match(row, /admin/);
    assert.match(row, /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
    await admin.context.close();
    await context.close();
  });
});
