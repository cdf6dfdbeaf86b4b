/**
 * The Anthropic Messages door (`POST /v1/messages`, `/v1/messages/count_tokens`) driven by the official
 * `@anthropic-ai/sdk` (`messages.create`, `messages.stream`, `messages.countTokens`), against the simulator
 * through the whole gateway. Claude model names reach Gemini models through config aliases. After each
 * call the ledger is checked: one row per attempt, on door `anthropic-messages`, with the tokens the
 * message's `usage` reports and the cost they come to at the row's price version.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { CLAUDE_ALIASES } from '../helpers/claude-aliases.ts';
import { ledgerRows, rowCostMicros, type LedgerRow } from '../helpers/ledger.ts';

let gateway: Gateway;

before(async () => {
  gateway = await startGateway({ models: CLAUDE_ALIASES });
});
after(async () => gateway.close());

async function client(
  credits = 10,
  key: Record<string, unknown> = {},
): Promise<{ anthropic: Anthropic; accountId: string; key: string }> {
  const account = await gateway.account(credits, key);
  const anthropic = new Anthropic({ apiKey: account.key, baseURL: gateway.url, maxRetries: 0 });
  return { anthropic, accountId: account.accountId, key: account.key };
}

/** The one new row, checked against the message's usage and its price. */
async function checkRow(
  accountId: string,
  message: Anthropic.Message,
  expected: { stream: boolean; model: string; count?: number },
): Promise<LedgerRow> {
  const rows = await ledgerRows(gateway, accountId);
  assert.equal(rows.length, expected.count ?? 1);
  const row = rows[rows.length - 1] as LedgerRow;
  assert.equal(row.door, 'anthropic-messages');
  assert.equal(row.model, expected.model);
  assert.equal(row.stream, expected.stream);
  assert.equal(row.state, 'settled');
  assert.equal(row.terminal_state, 'ok');
  assert.equal(`msg_${row.request_id.slice(4)}`, message.id);
  const usage = message.usage;
  assert.equal(row.cached_tokens, usage.cache_read_input_tokens ?? 0);
  assert.equal(row.prompt_tokens, usage.input_tokens + (usage.cache_read_input_tokens ?? 0));
  assert.equal(row.completion_tokens, usage.output_tokens);
  assert.equal(row.reasoning_tokens, usage.output_tokens_details?.thinking_tokens ?? 0);
  assert.equal(row.usage_estimated, false);
  assert.equal(row.cost_micros, rowCostMicros(row));
  assert.ok(row.cost_micros > 0);
  return row;
}

const WEATHER_TOOL: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('messages.create', () => {
  for (const [model, upstream] of [
    ['claude-sonnet-4-5-20250929', 'gemini-3.5-flash'],
    ['sim-openai', 'sim-openai'],
  ] as const) {
    test(`${model}: the message object, usage, one ledger row`, async () => {
      const { anthropic, accountId } = await client();
      const { data, response } = await anthropic.messages
        .create({
          model,
          max_tokens: 200,
          system: [{ type: 'text', text: 'Answer briefly.', cache_control: { type: 'ephemeral' } }],
          messages: [{ role: 'user', content: 'Hello, introduce yourself' }],
          metadata: { user_id: 'user-42' },
          stop_sequences: ['\n\nHuman:'],
        })
        .withResponse();
      assert.match(data.id, /^msg_/);
      assert.equal(data.type, 'message');
      assert.equal(data.role, 'assistant');
      assert.equal(data.model, model);
      assert.equal(data.stop_reason, 'end_turn');
      assert.equal(data.stop_sequence, null);
      assert.equal(data.content.length, 1);
      const [block] = data.content;
      assert.equal(block?.type, 'text');
      assert.ok(block.type === 'text' && block.text.length > 0);
      assert.ok(data.usage.input_tokens > 0 && data.usage.output_tokens > 0);
      assert.equal(data.usage.cache_creation_input_tokens, 0);
      assert.ok(Number(response.headers.get('x-portico-cost')) > 0);
      await checkRow(accountId, data, { stream: false, model: upstream });
    });
  }

  test('max_tokens reached: stop_reason max_tokens', async () => {
    const { anthropic, accountId } = await client();
    const data = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'Tell me a long story [[sim:tokens=50]]' }],
    });
    assert.equal(data.stop_reason, 'max_tokens');
    assert.equal(data.usage.output_tokens, 5);
    await checkRow(accountId, data, { stream: false, model: 'gemini-2.5-flash' });
  });

  test('a safety stop is a refusal', async () => {
    const { anthropic, accountId } = await client();
    const data = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Something unsafe [[sim:finish=SAFETY]]' }],
    });
    assert.equal(data.stop_reason, 'refusal');
    await checkRow(accountId, data, { stream: false, model: 'gemini-3.5-flash' });
  });

  test('cached prompt tokens are cache_read_input_tokens, billed at the cached price', async () => {
    const { anthropic, accountId } = await client();
    const data = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 50,
      messages: [
        { role: 'user', content: `${'A long shared prefix. '.repeat(40)} [[sim:cached-tokens=64]]` },
      ],
    });
    assert.equal(data.usage.cache_read_input_tokens, 64);
    const row = await checkRow(accountId, data, { stream: false, model: 'gemini-3.5-flash' });
    assert.equal(row.cached_tokens, 64);
  });
});

describe('tools and thinking', () => {
  test('tool_use, then tool_result (is_error and an image) on Gemini 3: the signature round-trips', async () => {
    const { anthropic, accountId } = await client();
    const first = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 4000,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'auto' },
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    });
    assert.equal(first.stop_reason, 'tool_use');
    const thinking = first.content.find((block) => block.type === 'thinking');
    const toolUse = first.content.find((block) => block.type === 'tool_use');
    assert.ok(thinking && thinking.type === 'thinking' && thinking.thinking.length > 0);
    assert.ok(toolUse && toolUse.type === 'tool_use');
    assert.equal(toolUse.name, 'get_weather');
    assert.equal(typeof (toolUse.input as { city?: unknown }).city, 'string');
    assert.match(thinking.signature, /^portico\.gemini\./, 'the thinking block carries the Gemini signature');
    assert.deepEqual(
      first.content.map((block) => block.type),
      ['thinking', 'tool_use'],
    );
    assert.ok((first.usage.output_tokens_details?.thinking_tokens ?? 0) > 0);
    await checkRow(accountId, first, { stream: false, model: 'gemini-3.5-flash' });

    // The simulator refuses (like Gemini 3) a replayed call whose signature was lost: this passes only
    // because the signature came back.
    const PNG =
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const second = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 4000,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tools: [WEATHER_TOOL],
      messages: [
        { role: 'user', content: 'What is the weather in Paris?' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: toolUse.id,
              is_error: true,
              content: [
                { type: 'text', text: 'weather service down' },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
              ],
            },
            { type: 'text', text: 'Please answer anyway.' },
          ],
        },
      ],
    });
    assert.equal(second.stop_reason, 'end_turn');
    assert.ok(second.content.some((block) => block.type === 'text'));
    await checkRow(accountId, second, { stream: false, model: 'gemini-3.5-flash', count: 2 });
  });

  test('a client that rewrote the tool_use id still gets its call signed through the thinking block', async () => {
    const { anthropic } = await client();
    const first = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 4000,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tools: [WEATHER_TOOL],
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
    });
    const content = first.content.map((block) =>
      block.type === 'tool_use' ? { ...block, id: 'toolu_rewritten_by_client' } : block,
    );
    const { data: second, response } = await anthropic.messages
      .create({
        model: 'claude-sonnet-4-5',
        max_tokens: 4000,
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'Weather in Oslo?' },
          { role: 'assistant', content },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 'toolu_rewritten_by_client', content: '12 C' }],
          },
        ],
      })
      .withResponse();
    const thinking = first.content.find((block) => block.type === 'thinking');
    assert.ok(thinking?.type === 'thinking');
    const attempt = gateway.simulator.attempts.find(
      (entry) => entry.requestId === response.headers.get('x-request-id'),
    );
    const contents = (attempt?.body as { contents: Array<{ role: string; parts: any[] }> }).contents;
    const call = contents.find((turn) => turn.role === 'model')?.parts.find((part) => part.functionCall);
    assert.equal(
      `portico.gemini.${call.thoughtSignature}`,
      thinking.signature,
      'not the sentinel: the real one',
    );
    assert.equal(second.stop_reason, 'end_turn');
  });

  test('tool_choice any and tool force a call; none forbids one', async () => {
    const { anthropic } = await client();
    const forced = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 500,
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'tool', name: 'get_weather' },
      messages: [{ role: 'user', content: 'Say hi' }],
    });
    assert.equal(forced.stop_reason, 'tool_use');
    const any = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 500,
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'Say hi' }],
    });
    assert.equal(any.stop_reason, 'tool_use');
    const none = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 500,
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'none' },
      messages: [{ role: 'user', content: 'What is the weather in Rome?' }],
    });
    assert.equal(none.stop_reason, 'end_turn');
    assert.ok(none.content.every((block) => block.type !== 'tool_use'));
  });
});

describe('messages.stream', () => {
  test('thinking then a tool call: the events Anthropic sends, the final message, one ledger row', async () => {
    const { anthropic, accountId } = await client();
    const stream = anthropic.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 4000,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tools: [WEATHER_TOOL],
      messages: [{ role: 'user', content: 'What is the weather in Lisbon? [[sim:chunks=6]]' }],
    });
    const events: string[] = [];
    let thinkingText = '';
    let signature = '';
    let json = '';
    for await (const event of stream) {
      events.push(event.type === 'content_block_delta' ? `${event.type}:${event.delta.type}` : event.type);
      if (event.type === 'content_block_delta') {
        if (event.delta.type === 'thinking_delta') thinkingText += event.delta.thinking;
        if (event.delta.type === 'signature_delta') signature = event.delta.signature;
        if (event.delta.type === 'input_json_delta') json += event.delta.partial_json;
      }
    }
    const message = await stream.finalMessage();
    assert.equal(events[0], 'message_start');
    assert.equal(events.at(-1), 'message_stop');
    assert.equal(events.at(-2), 'message_delta');
    const order = events.filter((name, index) => name !== events[index - 1]);
    assert.deepEqual(order, [
      'message_start',
      'content_block_start',
      'content_block_delta:thinking_delta',
      'content_block_delta:signature_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta:input_json_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    assert.ok(thinkingText.length > 0);
    assert.match(signature, /^portico\.gemini\./);
    assert.equal(message.stop_reason, 'tool_use');
    const toolUse = message.content[1];
    assert.ok(toolUse?.type === 'tool_use');
    assert.deepEqual(toolUse.input, JSON.parse(json));
    const thinking = message.content[0];
    assert.ok(thinking?.type === 'thinking' && thinking.signature === signature);
    await checkRow(accountId, message, { stream: true, model: 'gemini-3.5-flash' });
  });

  test('text through the SDK: the final usage replaces the estimate in message_start', async () => {
    const { anthropic, accountId } = await client();
    const stream = anthropic.messages.stream({
      model: 'sim-openai',
      max_tokens: 300,
      messages: [{ role: 'user', content: 'Write a few sentences [[sim:chunks=8]]' }],
    });
    const events: string[] = [];
    let text = '';
    stream.on('text', (delta) => (text += delta));
    for await (const event of stream) events.push(event.type);
    const message = await stream.finalMessage();
    // The SDK drops `ping` events; the wire test below sees them.
    assert.deepEqual(events.slice(0, 2), ['message_start', 'content_block_start']);
    const block = message.content[0];
    assert.ok(block?.type === 'text' && block.text === text && text.length > 0);
    assert.equal(message.stop_reason, 'end_turn');
    await checkRow(accountId, message, { stream: true, model: 'sim-openai' });
  });

  test('the wire: event names match data.type, ping after message_start, x-api-key and anthropic-version', async () => {
    const { key, accountId } = await client();
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'claude-haiku-4-5',
        max_tokens: 100,
        stream: true,
        messages: [{ role: 'user', content: 'Hello [[sim:chunks=3]]' }],
      }),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const text = await response.text();
    const frames = text
      .split('\n\n')
      .filter((frame) => frame.startsWith('event: '))
      .map((frame) => {
        const [eventLine, dataLine] = frame.split('\n');
        return { event: eventLine?.slice(7), data: JSON.parse(dataLine?.slice(6) ?? 'null') };
      });
    for (const frame of frames) assert.equal(frame.event, frame.data.type);
    assert.deepEqual(
      frames.slice(0, 3).map((frame) => frame.event),
      ['message_start', 'ping', 'content_block_start'],
    );
    assert.equal(frames.at(-1)?.event, 'message_stop');
    const start = frames[0]?.data.message;
    assert.deepEqual(start.content, []);
    assert.equal(start.stop_reason, null);
    assert.equal(start.model, 'claude-haiku-4-5');
    const delta = frames.at(-2)?.data;
    assert.equal(delta.type, 'message_delta');
    assert.deepEqual(delta.delta, { stop_reason: 'end_turn', stop_sequence: null });
    const [row] = await ledgerRows(gateway, accountId);
    assert.equal(row?.door, 'anthropic-messages');
    assert.equal(delta.usage.input_tokens, row?.prompt_tokens);
    assert.equal(delta.usage.output_tokens, row?.completion_tokens);
  });

  test('a stream that breaks after it started ends with an error event, never message_stop', async () => {
    const { anthropic, accountId } = await client();
    const stream = anthropic.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 300,
      messages: [{ role: 'user', content: 'Hello [[sim:chunks=10;reset_after=3]]' }],
    });
    await assert.rejects(stream.finalMessage(), (error: unknown) => {
      assert.ok(error instanceof Anthropic.APIError);
      assert.equal((error.error as { type?: string }).type, 'error');
      return true;
    });
    const rows = await ledgerRows(gateway, accountId);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.door, 'anthropic-messages');
    assert.notEqual(rows[0]?.terminal_state, 'ok');
  });
});

describe('count_tokens', () => {
  test('counts the prompt, free of charge, and refuses a model the key may not use', async () => {
    const { anthropic, accountId } = await client(1, { models: ['gemini-3.5-flash'] });
    const small = await anthropic.messages.countTokens({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'Hello' }],
    });
    const large = await anthropic.messages.countTokens({
      model: 'claude-sonnet-4-5',
      system: 'You are a helpful assistant.',
      tools: [WEATHER_TOOL],
      messages: [{ role: 'user', content: 'Hello '.repeat(200) }],
    });
    assert.ok(small.input_tokens > 0);
    assert.ok(large.input_tokens > small.input_tokens + 200);
    assert.equal((await ledgerRows(gateway, accountId)).length, 0, 'counting is not billed');
    await assert.rejects(
      anthropic.messages.countTokens({
        model: 'claude-haiku-4-5',
        messages: [{ role: 'user', content: 'x' }],
      }),
      (error: unknown) => error instanceof Anthropic.PermissionDeniedError,
    );
  });
});

describe('errors in Anthropic shape', () => {
  test('403 permission_error for a model outside the key allow-list, on create and stream', async () => {
    const { anthropic, accountId } = await client(5, { models: ['gemini-3.5-flash'] });
    const ok = await anthropic.messages.create({
      model: 'gemini-3.5-flash',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(ok.type, 'message');
    for (const model of ['claude-haiku-4-5', 'gemini-2.5-flash', 'sim-openai']) {
      await assert.rejects(
        anthropic.messages.create({ model, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }),
        (error: unknown) => {
          assert.ok(error instanceof Anthropic.PermissionDeniedError, String(error));
          assert.equal(error.status, 403);
          const body = error.error as { type: string; error: { type: string; message: string } };
          assert.equal(body.type, 'error');
          assert.equal(body.error.type, 'permission_error');
          assert.ok(body.error.message.length > 0);
          return true;
        },
      );
      await assert.rejects(
        anthropic.messages
          .stream({ model, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] })
          .finalMessage(),
        (error: unknown) => error instanceof Anthropic.PermissionDeniedError,
      );
    }
    assert.equal((await ledgerRows(gateway, accountId)).length, 1);
  });

  test('401 authentication_error, 404 not_found_error, 400 invalid_request_error naming the field', async () => {
    const bad = new Anthropic({ apiKey: 'sk-nope', baseURL: gateway.url, maxRetries: 0 });
    await assert.rejects(
      bad.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
      }),
      (error: unknown) =>
        error instanceof Anthropic.AuthenticationError &&
        (error.error as { error: { type: string } }).error.type === 'authentication_error',
    );
    const { anthropic } = await client();
    await assert.rejects(
      anthropic.messages.create({
        model: 'claude-nonexistent',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
      }),
      (error: unknown) =>
        error instanceof Anthropic.NotFoundError &&
        (error.error as { error: { type: string } }).error.type === 'not_found_error',
    );
    await assert.rejects(
      anthropic.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof Anthropic.BadRequestError);
        const body = error.error as { error: { type: string; message: string; param?: string } };
        assert.equal(body.error.type, 'invalid_request_error');
        assert.equal(body.error.param, 'tools[0].type');
        assert.match(body.error.message, /web_search_20250305/);
        return true;
      },
    );
  });
});
