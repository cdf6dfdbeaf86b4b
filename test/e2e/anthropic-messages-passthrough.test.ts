/**
 * Native passthrough on the Anthropic Messages door: to an Anthropic upstream (the simulator speaking
 * Anthropic) the client's body goes as written (the deployment's model and the held `max_tokens` set by
 * Portico, the client's `anthropic-beta` kept) and the upstream's own message and stream events come back
 * verbatim, Claude's thinking signatures included; usage is still read for exact billing, one ledger row
 * per attempt. A Gemini deployment behind the same door is still translated. Client: `@anthropic-ai/sdk`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { ledgerRows, rowCostMicros } from '../helpers/ledger.ts';

let gateway: Gateway;
let anthropic: Anthropic;
let accountId: string;

before(async () => {
  gateway = await startGateway({
    providers: {
      claude: { type: 'anthropic', base_url: 'SIMULATOR', api_key: 'sk-ant-upstream' },
      google: { type: 'gemini', base_url: 'SIMULATOR', api_key: 'upstream-gemini-key' },
    },
    models: {
      'claude-sonnet-4-5': {
        deployments: [{ provider: 'claude', model: 'claude-sonnet-4-5-20250929' }],
        pricing: { input: 3, cached_input: 0.3, output: 15 },
        max_output_tokens: 8192,
      },
      'gemini-3.5-flash': { aliases: ['claude-haiku-4-5'] },
    },
  });
  const account = await gateway.account(20);
  accountId = account.accountId;
  anthropic = new Anthropic({
    apiKey: account.key,
    baseURL: gateway.url,
    maxRetries: 0,
    defaultHeaders: { 'anthropic-beta': 'context-management-2025-06-27' },
  });
});
after(async () => gateway.close());

function attemptFor(requestId: string | null) {
  const attempt = gateway.simulator.attempts.find((entry) => entry.requestId === requestId);
  assert.ok(attempt, `an upstream attempt for ${requestId}`);
  return attempt;
}

async function lastRow() {
  const rows = await ledgerRows(gateway, accountId);
  const row = rows.at(-1);
  assert.ok(row);
  assert.equal(row.door, 'anthropic-messages');
  assert.equal(row.terminal_state, 'ok');
  assert.equal(row.usage_estimated, false);
  assert.equal(row.cost_micros, rowCostMicros(row));
  return { row, count: rows.length };
}

const REQUEST = {
  model: 'claude-sonnet-4-5',
  max_tokens: 3000,
  system: [{ type: 'text' as const, text: 'Be brief.', cache_control: { type: 'ephemeral' as const } }],
  thinking: { type: 'enabled' as const, budget_tokens: 1024 },
  context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
  metadata: { user_id: 'user-7' },
  messages: [{ role: 'user' as const, content: 'Hello there [[sim:cached-tokens=3]]' }],
};

describe('to an Anthropic upstream', () => {
  test('JSON: the body goes as written, the upstream message comes back whole', async () => {
    const { data, response } = await anthropic.messages.create(REQUEST as never).withResponse();
    const attempt = attemptFor(response.headers.get('x-request-id'));
    assert.equal(attempt.protocol, 'anthropic');
    const sent = attempt.body as Record<string, any>;
    assert.equal(sent.model, 'claude-sonnet-4-5-20250929', 'the deployment model');
    assert.equal(sent.max_tokens, 3000, 'the held cap');
    assert.equal(sent.stream, false);
    assert.deepEqual(sent.system, REQUEST.system);
    assert.deepEqual(sent.thinking, REQUEST.thinking);
    assert.deepEqual(sent.context_management, REQUEST.context_management);
    assert.deepEqual(sent.metadata, REQUEST.metadata);
    assert.equal(attempt.headers['anthropic-beta'], 'context-management-2025-06-27');
    assert.equal(attempt.headers['x-api-key'], 'sk-ant-upstream', 'the upstream key, never the client key');

    const message = data as unknown as Record<string, any>;
    assert.doesNotMatch(message.id, new RegExp(response.headers.get('x-request-id')?.slice(4) ?? '-'));
    assert.equal(message.model, 'claude-sonnet-4-5-20250929', "the upstream's own answer");
    const thinking = message.content.find((block: any) => block.type === 'thinking');
    assert.match(thinking.signature, /^[A-Za-z0-9+/=]+$/, "Claude's own signature, not a Portico one");
    assert.doesNotMatch(thinking.signature, /^portico\./);
    const { row } = await lastRow();
    assert.equal(row.model, 'claude-sonnet-4-5');
    assert.equal(row.cached_tokens, message.usage.cache_read_input_tokens);
    assert.equal(row.prompt_tokens, message.usage.input_tokens + message.usage.cache_read_input_tokens);
    assert.equal(row.completion_tokens, message.usage.output_tokens);
  });

  test("stream: the upstream's events as sent, the signature replayed upstream on the next turn", async () => {
    const { data: stream, response } = await anthropic.messages
      .create({ ...REQUEST, stream: true } as never)
      .withResponse();
    const events: Array<Record<string, any>> = [];
    for await (const event of stream as unknown as AsyncIterable<Record<string, any>>) events.push(event);
    const attempt = attemptFor(response.headers.get('x-request-id'));
    assert.equal((attempt.body as Record<string, unknown>).stream, true);
    assert.equal(events[0]?.type, 'message_start');
    assert.equal(events[0]?.message.model, 'claude-sonnet-4-5-20250929');
    assert.equal(events.at(-1)?.type, 'message_stop');
    const signature = events.find((event) => event.delta?.type === 'signature_delta')?.delta.signature;
    assert.ok(typeof signature === 'string' && !signature.startsWith('portico.'));
    const { row, count } = await lastRow();
    const delta = events.find((event) => event.type === 'message_delta');
    assert.equal(row.completion_tokens, delta?.usage.output_tokens);
    assert.equal(row.stream, true);

    const thinking = events
      .filter((event) => event.delta?.type === 'thinking_delta')
      .map((event) => event.delta.thinking)
      .join('');
    const next = await anthropic.messages
      .create({
        ...REQUEST,
        messages: [
          ...REQUEST.messages,
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking, signature },
              { type: 'text', text: 'Hi' },
            ],
          },
          { role: 'user', content: 'And again?' },
        ],
      } as never)
      .withResponse();
    const replayed = attemptFor(next.response.headers.get('x-request-id')).body as Record<string, any>;
    assert.deepEqual(replayed.messages[1].content[0], { type: 'thinking', thinking, signature });
    assert.equal((await lastRow()).count, count + 1);
  });
});

describe('to a Gemini upstream behind the same door', () => {
  test('translated: Portico builds the message and the stream', async () => {
    const data = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    const { row } = await lastRow();
    assert.equal(data.id, `msg_${row.request_id.slice(4)}`);
    assert.equal(data.model, 'claude-haiku-4-5');
    const stream = anthropic.messages.stream({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      messages: [{ role: 'user', content: 'Hello [[sim:chunks=3]]' }],
    });
    const message = await stream.finalMessage();
    const streamed = await lastRow();
    assert.equal(message.id, `msg_${streamed.row.request_id.slice(4)}`);
    assert.equal(message.usage.output_tokens, streamed.row.completion_tokens);
  });
});
