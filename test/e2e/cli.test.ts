/**
 * The `portico` CLI (bin/portico.js) against a fresh SQLite file: migrate, accounts create/list/credit,
 * keys create/list/revoke, usage. Each command is a real child process.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'portico-cli-'));
const env = { ...process.env, PORTICO_DATABASE_URL: `sqlite:${join(dir, 'cli.db')}`, PORTICO_CONFIG: '' };
after(() => rmSync(dir, { recursive: true, force: true }));

function portico(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/portico.js', ...args], { cwd: ROOT, env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('migrate, accounts, credits, keys and usage from the command line', { timeout: 120_000 }, async () => {
  assert.match((await portico('migrate')).stdout, /migrated \(sqlite\)/);
  const created = await portico('accounts', 'create', '--name', 'acme', '--credits', '12.5');
  assert.equal(created.code, 0, created.stderr);
  const account = JSON.parse(created.stdout);
  assert.equal(account.balance_usd, 12.5);
  const listed = JSON.parse((await portico('accounts', 'list')).stdout);
  assert.ok(listed.some((entry: any) => entry.id === account.id));
  const credited = JSON.parse(
    (await portico('accounts', 'credit', account.id, '--amount', '2.5', '--note', 'top-up')).stdout,
  );
  assert.equal(credited.balance_after_usd, 15);
  const key = JSON.parse(
    (await portico('keys', 'create', '--account', account.id, '--models', 'gemini-3.5-flash', '--rpm', '60'))
      .stdout,
  );
  assert.match(key.key, /^sk-port-/);
  assert.deepEqual(key.models, ['gemini-3.5-flash']);
  const keys = JSON.parse((await portico('keys', 'list', '--account', account.id)).stdout);
  assert.equal(keys.length, 1);
  assert.equal(keys[0].key, undefined, 'a listed key never shows the secret');
  const revoked = JSON.parse((await portico('keys', 'revoke', key.id)).stdout);
  assert.ok(revoked.revoked_at);
  assert.deepEqual(JSON.parse((await portico('usage', '--account', account.id)).stdout), []);
  const bad = await portico('keys', 'create', '--account', account.id, '--models', 'no-such-model');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /Unknown model/);
});
