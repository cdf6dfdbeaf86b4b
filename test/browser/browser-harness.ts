/**
 * Headless Chromium for the dashboard scenarios: Debian's `chromium` driven by playwright-core (no
 * browser download). Without it, or without the dashboard build, the suites skip with a message, and
 * fail under CI (helpers/requirements.ts). Screenshots go to test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Gateway } from '../helpers/gateway.ts';
import { file } from '../helpers/requirements.ts';

export const CHROMIUM = process.env.PORTICO_CHROMIUM ?? '/usr/bin/chromium';
export const DIST_INDEX = fileURLToPath(new URL('../../dist/dashboard/index.html', import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/dashboard/', import.meta.url));

/** Why the browser suites cannot run here, or false when they can (under CI: throws instead). */
export function skipReason(): string | false {
  return (
    file('Chromium', CHROMIUM, 'apt-get install chromium') ||
    file('the dashboard build', DIST_INDEX, 'npm run build:dashboard')
  );
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export async function newPage(
  browser: Browser,
  options: { timezoneId?: string; width?: number } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    timezoneId: options.timezoneId ?? 'UTC',
    viewport: { width: options.width ?? 1280, height: 900 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return { context, page };
}

export async function signInUi(page: Page, gateway: Gateway, key: string): Promise<void> {
  await page.goto(`${gateway.url}/dashboard/`);
  await page.fill('#key', key);
  await page.click('button[type=submit]');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

/** Numbers out of `data-cost` attributes in a table. */
export async function costs(page: Page, selector: string): Promise<number[]> {
  return page.$$eval(selector, (cells) => cells.map((cell) => Number(cell.getAttribute('data-cost'))));
}

export interface SeedRow {
  accountId: string;
  keyId: string;
  model: string;
  createdAt: string;
  costMicros: number;
  status?: number;
  requestId?: string;
}

/** Settled ledger rows written straight into the SQLite store: fixtures at exact instants. */
export function seedLedger(gateway: Gateway, rows: SeedRow[]): void {
  const connection = (gateway.services.store as unknown as { connection: import('better-sqlite3').Database })
    .connection;
  const insert =
    connection.prepare(`INSERT INTO ledger (request_id, attempt, account_id, key_id, model, deployment, held_micros,
    cost_micros, state, terminal_state, status, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, total_tokens,
    usage_estimated, needs_review, price_version, latency_ms, ttft_ms, stream, error_code, process_id, created_at, settled_at)
    VALUES (?, 1, ?, ?, ?, 'seed', ?, ?, 'settled', ?, ?, 100, 10, 50, 5, 150, 0, 0, 'seed', ?, ?, 1, ?, 'seed', ?, ?)`);
  connection.transaction(() => {
    rows.forEach((row, index) => {
      const status = row.status ?? 200;
      insert.run(
        row.requestId ?? `req_seed_${String(index).padStart(7, '0')}`,
        row.accountId,
        row.keyId,
        row.model,
        row.costMicros,
        row.costMicros,
        status === 200 ? 'ok' : 'upstream_error',
        status,
        200 + (index % 300),
        50 + (index % 100),
        status === 200 ? null : 'upstream_failed',
        row.createdAt,
        row.createdAt,
      );
    });
  })();
}
