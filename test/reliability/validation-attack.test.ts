/**
 * Issue 17, High 1: an invalid 15 MB body from a paying key is refused fast, and it never freezes the
 * gateway: validation stops at the first error and is linear in the input, the parse and the check yield
 * to the event loop, and `/health` keeps answering within its bound meanwhile.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { HEALTH_BOUND_MS, healthDuringAttack } from '../helpers/health-probe.ts';
import { postRaw } from '../helpers/raw-http.ts';
import { prepareAttack } from '../helpers/attack-worker.ts';

let gateway: Gateway;
let key: string;

before(async () => {
  gateway = await startGateway({ server: { max_body_mb: 16 } });
  ({ key } = await gateway.account(10));
});
after(async () => gateway.close());

/** 8,000 messages of 100 parts, every part invalid: the shape that walked every error of every branch. */
function hostileBody(): Buffer {
  const part = '{"type":"image_url","image_url":{"url":"","detail":"x"}}';
  const content = `[${Array.from({ length: 100 }, () => part).join(',')}]`;
  const message = `{"role":"user","content":${content}}`;
  const messages = Array.from({ length: 2_600 }, () => message).join(',');
  return Buffer.from(`{"model":"sim-openai","messages":[${messages}]}`);
}

test('an invalid 15 MB body is a 400 naming the first bad field, and /health stays live', async () => {
  const body = hostileBody();
  assert.ok(body.length > 14_000_000, `body is ${body.length} bytes`);
  const options = {
    url: gateway.url,
    path: '/v1/chat/completions',
    body,
    headers: { authorization: `Bearer ${key}` },
    parallel: 3,
  };
  // The attack repeated is the steady state: warm the path (JIT, body buffers) once, then measure.
  await (await prepareAttack(options)).fire();
  const {
    answers: attacks,
    report,
    runs,
  } = await healthDuringAttack(gateway.url, () => prepareAttack(options));
  for (const response of attacks) {
    assert.equal(response.status, 400, response.text.slice(0, 300));
    const error = JSON.parse(response.text).error;
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(error.param, 'messages[0].content[0].image_url.url');
  }
  assert.equal(report.failures, 0);
  assert.ok(report.count >= 5, `only ${report.count} probes counted (${report.discounted} discounted)`);
  assert.ok(
    report.maxMs < HEALTH_BOUND_MS,
    `/health took up to ${report.maxMs.toFixed(1)} ms: ${JSON.stringify(runs)}`,
  );
});

test('a discriminator no branch knows is named with the values it may take', async () => {
  const response = await postRaw(
    gateway.url,
    '/v1/chat/completions',
    Buffer.from(
      JSON.stringify({ model: 'sim-openai', messages: [{ role: 'user', content: [{ type: 'video' }] }] }),
    ),
    { authorization: `Bearer ${key}` },
  );
  assert.equal(response.status, 400);
  const error = JSON.parse(response.text).error;
  assert.equal(error.param, 'messages[0].content[0].type');
  assert.match(error.message, /"text", "image_url"/);
});
