/**
 * A client that goes away mid-stream aborts the upstream request (the simulator sees the close), and the
 * attempt is settled as client_disconnected with what was delivered.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

let gateway: Gateway;
let key: string;
let accountId: string;

before(async () => {
  gateway = await startGateway();
  ({ key, accountId } = await gateway.account(10));
});
after(async () => gateway.close());

for (const model of ['sim-openai', 'gemini-3.5-flash']) {
  test(`${model}: client disconnect mid-stream aborts the upstream and settles the hold`, async () => {
    gateway.simulator.resetAttempts();
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model,
        messages: [{ role: 'user', content: 'a long story [[sim:chunks=200;chunk-delay-ms=20]]' }],
        stream: true,
        max_tokens: 2000,
      }),
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    let received = 0;
    while (received < 3) {
      const { value, done } = await reader.read();
      if (done) break;
      received += new TextDecoder().decode(value).split('data: ').length - 1;
    }
    controller.abort();
    const attempt = await gateway.simulator.waitFor((entry) => entry.aborted, 10_000);
    assert.equal(attempt.aborted, true);
    assert.ok(attempt.chunksSent < 200, 'the upstream stopped early');
    // The hold is settled: nothing stays held on the account.
    let account: any;
    for (let tries = 0; tries < 100; tries++) {
      account = (await gateway.admin('GET', `/admin/accounts/${accountId}`)).body;
      if (account.held_micros === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(account.held_micros, 0);
    const usage = (await gateway.admin('GET', `/admin/usage?account_id=${accountId}`)).body.data;
    const row = usage.find(
      (entry: any) => entry.model === model && entry.terminal_state === 'client_disconnected',
    );
    assert.ok(row, 'a client_disconnected ledger row');
    assert.ok(row.completion_tokens > 0, 'delivered tokens are billed');
  });
}
