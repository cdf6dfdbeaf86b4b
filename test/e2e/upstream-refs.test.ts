/**
 * Cached contents and files live in the operator's upstream project, shared by every tenant: a request
 * may name only those granted to its account (`upstream_refs`), and a cached content's tokens are held.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

let gateway: Gateway;
let owner: { key: string; accountId: string };
let other: { key: string; accountId: string };

async function chat(key: string, body: Record<string, unknown>) {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gemini-3.5-flash', max_tokens: 50, ...body }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

let directory: string;
let poor: { key: string; accountId: string };

before(async () => {
  // The operator creates the accounts, then grants resources by account id in the config and restarts.
  directory = mkdtempSync(join(tmpdir(), 'portico-refs-'));
  const databaseUrl = `sqlite:${join(directory, 'portico.db')}`;
  const first = await startGateway({ databaseUrl });
  owner = await first.account(5);
  other = await first.account(5);
  poor = await first.account(0.2);
  await first.close();
  gateway = await startGateway({
    databaseUrl,
    upstreamRefs: {
      cached_contents: {
        'cachedContents/owners-cache': { accounts: [owner.accountId, poor.accountId], tokens: 200_000 },
      },
      files: { 'files/owners-file': { accounts: [owner.accountId], tokens: 3_000 } },
    },
  });
});
after(async () => {
  await gateway.close();
  rmSync(directory, { recursive: true, force: true });
});

const message = [{ role: 'user', content: 'summarise the cached document' }];

test('another tenant naming a cached content gets 403 before any upstream call', async () => {
  gateway.simulator.resetAttempts();
  const refused = await chat(other.key, {
    messages: message,
    extra_body: { google: { cached_content: 'cachedContents/owners-cache' } },
  });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.type, 'permission_error');
  assert.equal(refused.body.error.param, 'extra_body.google.cached_content');
  const unknown = await chat(owner.key, {
    messages: message,
    google: { cached_content: 'cachedContents/someone-else' },
  });
  assert.equal(unknown.status, 403);
  assert.equal(gateway.simulator.attempts.length, 0);
});

test('a file id that was not granted is refused, naming the part', async () => {
  const refused = await chat(other.key, {
    messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'files/owners-file' } }] }],
  });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.param, 'messages[0].content[0].file.file_id');
});

test('the granted account may use its cache, and the hold covers its tokens', async () => {
  // $0.20 cannot hold 200,000 cached-content tokens at the model's input price: the hold says so.
  const refused = await chat(poor.key, {
    messages: message,
    extra_body: { google: { cached_content: 'cachedContents/owners-cache' } },
  });
  assert.equal(refused.status, 402, 'the cached content is held with the request');
  const allowed = await chat(owner.key, {
    messages: message,
    extra_body: { google: { cached_content: 'cachedContents/owners-cache' } },
  });
  assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
});
