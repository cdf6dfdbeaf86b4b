/**
 * While the upstream is silent, an open stream gets SSE comments so proxies and clients keep the
 * connection; the comments never disturb the events (the openai SDK ignores them).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

let gateway: Gateway;
let key: string;

before(async () => {
  gateway = await startGateway({ sseKeepAliveMs: 250 });
  ({ key } = await gateway.account(5));
});
after(async () => gateway.close());

const SLOW = 'tell me slowly [[sim:chunks=3;chunk-delay-ms=1200]]';

test('keep-alive comments flow while the upstream is silent', async () => {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-openai', messages: [{ role: 'user', content: SLOW }], stream: true }),
  });
  const text = await response.text();
  assert.match(text, /^: keep-alive$/m, 'a keep-alive comment between chunks');
  assert.ok(text.endsWith('data: [DONE]\n\n'));
});

test('the openai SDK reads a stream with keep-alive comments as usual', async () => {
  const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: 'gemini-3.5-flash',
    messages: [{ role: 'user', content: SLOW }],
    stream: true,
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.ok(text.length > 0);
});
