/** Overload (RELIABILITY.md L5): past the concurrency bound, requests are shed at once with 503 + Retry-After. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { chat } from './routing-upstream.ts';

let gateway: Gateway;

before(async () => {
  gateway = await startGateway({ server: { max_concurrency: 2 } });
});
after(async () => gateway.close());

test('requests past max_concurrency get a quick 503 with Retry-After in the seed format, and no charge', async () => {
  const { key, accountId } = await gateway.account(10);
  const slow = {
    model: 'sim-openai',
    stream: true,
    max_tokens: 500,
    messages: [{ role: 'user', content: 'long [[sim:chunks=30;chunk-delay-ms=20]]' }],
  };
  const open = await Promise.all(
    [1, 2].map(() =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(slow),
      }),
    ),
  );
  for (const response of open) assert.equal(response.status, 200);
  const shed = await chat(gateway, key, { model: 'sim-openai', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(shed.status, 503);
  assert.equal(shed.headers.get('retry-after'), '1');
  assert.equal(shed.body.error.type, 'service_unavailable_error');
  assert.equal(shed.body.error.code, 503);
  // Health stays reachable while the API is at capacity.
  assert.equal((await fetch(`${gateway.url}/health`)).status, 200);
  for (const response of open) {
    const text = await response.text();
    assert.ok(text.includes('[DONE]'), 'the admitted streams finish normally');
  }
  const ok = await chat(gateway, key, { model: 'sim-openai', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(ok.status, 200);
  const rows = (await gateway.admin('GET', `/admin/usage?account_id=${accountId}`)).body.data as any[];
  assert.equal(rows.length, 3, 'the shed request never reached the ledger');
  assert.ok(rows.every((row: any) => row.terminal_state === 'ok'));
});
