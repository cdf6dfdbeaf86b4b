/**
 * DASHBOARD.md §(e) scenarios 6–9 in headless Chromium against a real Portico with the simulator
 * upstream: playground billing, time zones, 100k-row logs, and CSV export matching the screen.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { ADMIN_KEY, startGateway, type Gateway } from '../helpers/gateway.ts';
import { testsSkippedWhen } from '../helpers/requirements.ts';
import {
  costs,
  launch,
  newPage,
  screenshot,
  seedLedger,
  signInUi,
  skipReason,
  type SeedRow,
} from './browser-harness.ts';

const skip = skipReason();
const test = testsSkippedWhen(skip);

let browser: Browser;
const micros = (usd: number) => Math.round(usd * 1_000_000);

describe('dashboard data scenarios (browser)', () => {
  before(async () => {
    if (skip) return;
    browser = await launch();
  });
  after(async () => browser?.close());

  test('6. playground: a streamed chat renders, its log row shows, and the balance drops by exactly its cost', async () => {
    const gateway = await startGateway();
    const { context, page } = await newPage(browser);
    try {
      const customer = await gateway.account(10, { models: ['gemini-2.5-flash'] });
      const before = (await gateway.admin('GET', `/admin/accounts/${customer.accountId}`)).body
        .balance_micros;
      await signInUi(page, gateway, customer.key);
      await page.click('nav >> text=Playground');
      const options = await page.$$eval('select[name=model] option', (nodes) =>
        nodes.map((node) => node.textContent),
      );
      assert.deepEqual(options, ['gemini-2.5-flash'], 'only the allowed model is offered');
      await page.fill('textarea[name=prompt]', 'Say hello in three words');
      await page.click('button:has-text("Send")');
      await page.waitForSelector('[data-testid=call-cost]');
      assert.ok(
        ((await page.textContent('[data-testid=answer]')) ?? '').trim().length > 0,
        'the answer rendered',
      );
      const cost = micros(Number(await page.getAttribute('[data-testid=call-cost]', 'data-cost')));
      const requestId = (await page.getAttribute('[data-testid=call-cost]', 'data-request-id')) ?? '';
      assert.ok(cost > 0);
      await screenshot(page, 'customer-playground');
      const after = (await gateway.admin('GET', `/admin/accounts/${customer.accountId}`)).body.balance_micros;
      assert.equal(before - after, cost, 'the balance dropped by exactly the call cost');

      await page.click('nav >> text=Logs');
      const row = page.locator(`[data-testid=logs-table] tr:has-text("${requestId}")`);
      await row.waitFor();
      assert.equal(await row.locator('[data-col=model]').textContent(), 'gemini-2.5-flash');
      assert.equal(await row.locator('[data-col=status]').textContent(), '200');
      assert.equal(micros(Number(await row.locator('[data-col=cost]').getAttribute('data-cost'))), cost);
      assert.match((await row.textContent()) ?? '', /\d+ ms.*\d+ ms/);
      await screenshot(page, 'customer-logs');

      const refused = await page.evaluate(async () => {
        const session: any = await (await fetch('/dashboard/session')).json();
        const response = await fetch('/account/playground/chat', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
          body: JSON.stringify({ model: 'sim-openai', messages: [{ role: 'user', content: 'hi' }] }),
        });
        return response.status;
      });
      assert.equal(refused, 403);
    } finally {
      await context.close();
      await gateway.close();
    }
  });

  for (const timeZone of ['America/Los_Angeles', 'Asia/Kolkata']) {
    test(`7. time zones (${timeZone}): day buckets across UTC midnight, bars sum to the total and the log rows`, async () => {
      const gateway = await startGateway();
      const { context, page } = await newPage(browser, { timezoneId: timeZone });
      try {
        const customer = await gateway.account(100);
        const day = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
        const next = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
        const instants = [
          `${day}T06:00:00.000Z`,
          `${day}T20:00:00.000Z`,
          `${next}T01:00:00.000Z`,
          `${next}T07:00:00.000Z`,
        ];
        const dollars = [1, 2, 4, 8];
        const rows: SeedRow[] = instants.map((createdAt, index) => ({
          accountId: customer.accountId,
          keyId: customer.keyId,
          model: 'sim-openai',
          createdAt,
          costMicros: micros(dollars[index] ?? 0),
          requestId: `req_tz_${index}`,
        }));
        seedLedger(gateway, rows);
        const expected = new Map<string, number>();
        instants.forEach((instant, index) => {
          const local = new Date(instant).toLocaleDateString('sv-SE', { timeZone });
          expected.set(local, (expected.get(local) ?? 0) + (dollars[index] ?? 0));
        });

        await signInUi(page, gateway, customer.key);
        await page.waitForSelector('[data-testid=daily-table] tbody tr');
        assert.match(
          (await page.textContent('[data-testid=tz-label]')) ?? '',
          new RegExp(timeZone === 'Asia/Kolkata' ? 'Asia/(Kolkata|Calcutta)' : timeZone),
        );
        const shown = await page.$$eval('[data-testid=daily-table] tbody tr', (trs) =>
          trs.map(
            (tr) =>
              [tr.children[0]?.textContent ?? '', Number(tr.children[2]?.getAttribute('data-cost'))] as const,
          ),
        );
        for (const [localDay, amount] of expected) {
          assert.equal(shown.find(([name]) => name === localDay)?.[1], amount, `${localDay} in ${timeZone}`);
        }
        const barSum = shown.reduce((sum, [, amount]) => sum + amount, 0);
        assert.equal(barSum, 15);
        assert.match((await page.textContent('[data-testid=total-spend]')) ?? '', /\$15\.00 USD/);
        await screenshot(page, `customer-overview-${timeZone.replace('/', '-')}`);

        await page.click('nav >> text=Logs');
        await page.waitForSelector('[data-testid=logs-table] tbody tr');
        const logSum = (await costs(page, '[data-testid=logs-table] [data-col=cost]')).reduce(
          (sum, value) => sum + value,
          0,
        );
        assert.equal(logSum, barSum);
        assert.match(
          (await page.textContent('[data-testid=logs-table]')) ?? '',
          new RegExp(timeZone === 'Asia/Kolkata' ? 'Asia/(Kolkata|Calcutta)' : timeZone),
        );
      } finally {
        await context.close();
        await gateway.close();
      }
    });
  }

  describe('100k log rows', () => {
    let gateway: Gateway;
    let keys: string[];
    before(async () => {
      if (skip) return;
      gateway = await startGateway();
      const first = await gateway.account(1);
      const second = await gateway.admin('POST', '/admin/keys', {
        account_id: first.accountId,
        name: 'second',
      });
      keys = [first.keyId, second.body.id];
      const now = Date.now();
      seedLedger(
        gateway,
        Array.from({ length: 100_000 }, (_, index) => ({
          accountId: first.accountId,
          keyId: keys[index % 2] ?? '',
          model: index % 4 < 2 ? 'sim-openai' : 'gemini-2.5-flash',
          createdAt: new Date(now - index * 15_000).toISOString(),
          costMicros: 100 + (index % 997),
          status: index % 10 === 0 ? 500 : 200,
        })),
      );
    });
    after(async () => gateway?.close());

    test('8. log performance: first page in at most 3 API calls; cursor paging; filters work and survive a reload', async () => {
      const { context, page } = await newPage(browser);
      try {
        await signInUi(page, gateway, ADMIN_KEY);
        await page.waitForSelector('text=Overview');
        const calls: string[] = [];
        page.on('request', (request) => {
          const path = new URL(request.url()).pathname;
          if (!path.startsWith('/dashboard/assets') && request.resourceType() !== 'document')
            calls.push(path);
        });
        await page.goto(`${gateway.url}/dashboard/admin/logs`);
        await page.waitForSelector('[data-testid=logs-table] tbody tr');
        assert.ok(calls.length <= 3, `first page used ${calls.length} calls: ${calls.join(', ')}`);
        assert.equal(await page.locator('[data-testid=logs-table] tbody tr').count(), 50);
        const firstRow = await page.textContent('[data-testid=logs-table] tbody tr');
        await page.click('button:has-text("Older")');
        await page.waitForURL(/cursor=/);
        // Polled from the test, not with page.waitForFunction: the dashboard's CSP (no 'unsafe-eval')
        // refuses the in-page evaluation that a string predicate needs.
        await expectChange(() => page.textContent('[data-testid=logs-table] tbody tr'), firstRow);

        await page.selectOption('select[name=filter-model]', 'sim-openai');
        await page.selectOption('select[name=filter-status]', 'error');
        await page.fill('input[name=filter-key_id]', keys[0] ?? '');
        await page.click('button:has-text("Apply")');
        await page.waitForURL(/model=sim-openai/);
        await page.reload();
        await page.waitForSelector('[data-testid=logs-table] tbody tr');
        assert.match(page.url(), /status=error/);
        assert.equal(await page.inputValue('select[name=filter-model]'), 'sim-openai');
        const models = await page.$$eval('[data-testid=logs-table] [data-col=model]', (cells) => [
          ...new Set(cells.map((cell) => cell.textContent)),
        ]);
        const statuses = await page.$$eval('[data-testid=logs-table] [data-col=status]', (cells) => [
          ...new Set(cells.map((cell) => cell.textContent)),
        ]);
        assert.deepEqual(models, ['sim-openai']);
        assert.deepEqual(statuses, ['500']);
        assert.match((await page.textContent('[data-testid=logs-total]')) ?? '', /^5,000 requests/);
        await screenshot(page, 'admin-logs');
      } finally {
        await context.close();
      }
    });

    test('9. CSV export: as many rows as the filtered view, cost column sums to the on-screen total, ISO times with offset', async () => {
      const { context, page } = await newPage(browser, { timezoneId: 'Asia/Kolkata' });
      try {
        await signInUi(page, gateway, ADMIN_KEY);
        await page.waitForSelector('text=Overview');
        await page.goto(
          `${gateway.url}/dashboard/admin/logs?model=gemini-2.5-flash&key_id=${keys[1]}&status=ok`,
        );
        await page.waitForSelector('[data-testid=logs-table] tbody tr');
        const total = (await page.textContent('[data-testid=logs-total]')) ?? '';
        const [, count = '', money = ''] = /^([\d,]+) requests · \$([\d,.]+) USD total/.exec(total) ?? [];
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.click('[data-testid=csv-link]'),
        ]);
        const csv = await readFile((await download.path()) ?? '', 'utf8');
        const lines = csv.trim().split('\r\n');
        const header = lines[0]?.split(',') ?? [];
        const rows = lines.slice(1).map((line) => line.split(','));
        assert.equal(rows.length, Number(count.replace(/,/g, '')));
        const costIndex = header.indexOf('cost_usd');
        const sum = rows.reduce((acc, row) => acc + micros(Number(row[costIndex])), 0);
        assert.equal(sum, micros(Number(money.replace(/,/g, ''))));
        const timeIndex = header.indexOf('created_at');
        for (const row of rows)
          assert.match(row[timeIndex] ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+05:30$/);
        assert.ok(rows.every((row) => row[header.indexOf('model')] === 'gemini-2.5-flash'));
      } finally {
        await context.close();
      }
    });

    test('screenshots: admin overview at phone width', async () => {
      const { context, page } = await newPage(browser, { width: 390 });
      try {
        await signInUi(page, gateway, ADMIN_KEY);
        await page.waitForSelector('[data-testid=daily-table] tbody tr');
        const overflow = Number(
          await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
        );
        assert.ok(overflow <= 1, `page is ${overflow}px wider than a phone`);
        await screenshot(page, 'admin-overview-phone');
      } finally {
        await context.close();
      }
    });
  });
});

/** Waits (bounded) until `read()` returns something other than `before`. */
async function expectChange(read: () => Promise<string | null>, before: string | null): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    if ((await read()) !== before) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail('the page did not change');
}
