/**
 * The Responses door's streams and errors: `responses.stream` / `stream: true` with the official `openai`
 * SDK and on the raw wire (event names, `sequence_number`s, the order of item events, a failure after
 * the stream started), and the error body in OpenAI's shape (401, 403 for a model the key may not use,
 * 400 naming the field Portico cannot honour), with the ledger checked after each.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { ADMIN_KEY, startGateway, type Gateway } from '../helpers/gateway.ts';
import { ledgerRows, rowCostMicros } from '../helpers/ledger.ts';

let gateway: Gateway;

before(async () => {
  gateway = await startGateway();
});
after(async () => gateway.close());

async function account(key: Record<string, unknown> = {}): Promise<{ key: string; accountId: string }> {
  return gateway.account(10, key);
}

function sdk(key: string): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

interface WireEvent {
  event: string;
  data: Record<string, any>;
}

/** POSTs a streaming request and reads every SSE event off the wire. */
async function rawStream(
  key: string,
  body: Record<string, unknown>,
): Promise<{ response: Response; events: WireEvent[] }> {
  const response = await fetch(`${gateway.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  const text = await response.text();
  const events = text
    .split('\n\n')
    .filter((block) => block.trim() !== '' && !block.startsWith(':'))
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1] ?? '';
      const data = JSON.parse(/^data: (.+)$/m.exec(block)?.[1] ?? 'null');
      return { event, data };
    });
  return { response, events };
}

function types(events: WireEvent[]): string[] {
  // Collapse runs of deltas, so the order of the other events reads plainly.
  const names = events.map((event) => event.event);
  return names.filter((name, index) => !(name.endsWith('.delta') && names[index - 1] === name));
}

describe('streaming', () => {
  for (const model of ['gemini-3.5-flash', 'sim-openai']) {
    test(`${model}: text events in OpenAI's order, numbered from 0, then response.completed with usage`, async () => {
      const { key, accountId } = await account();
      const { response, events } = await rawStream(key, { model, input: 'Count to ten [[sim:chunks=5]]' });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
      assert.deepEqual(types(events), [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ]);
      events.forEach((event, index) => {
        assert.equal(event.data.type, event.event);
        assert.equal(event.data.sequence_number, index);
      });
      const deltas = events.filter((event) => event.event === 'response.output_text.delta');
      assert.ok(deltas.length >= 2);
      const text = deltas.map((event) => event.data.delta).join('');
      const done = events.find((event) => event.event === 'response.output_text.done');
      assert.equal(done?.data.text, text);
      const created = events[0]?.data.response;
      assert.equal(created.status, 'in_progress');
      assert.deepEqual(created.output, []);
      const completed = events.at(-1)?.data.response;
      assert.equal(completed.id, created.id);
      assert.equal(completed.status, 'completed');
      assert.equal(completed.output[0].content[0].text, text);
      assert.equal(completed.output[0].id, deltas[0]?.data.item_id);
      const [row] = await ledgerRows(gateway, accountId);
      assert.ok(row);
      assert.equal(row.door, 'openai-responses');
      assert.equal(row.stream, true);
      assert.equal(row.prompt_tokens, completed.usage.input_tokens);
      assert.equal(row.completion_tokens, completed.usage.output_tokens);
      assert.equal(row.total_tokens, completed.usage.total_tokens);
      assert.equal(row.cost_micros, rowCostMicros(row));
      assert.equal(Math.round(completed.usage.cost * 1_000_000), row.cost_micros);
    });
  }

  test('responses.stream: reasoning summary events before the message, finalResponse matches', async () => {
    const { key, accountId } = await account();
    const stream = sdk(key).responses.stream({
      model: 'gemini-3.5-flash',
      input: 'Think, then answer',
      reasoning: { effort: 'low', summary: 'detailed' },
    });
    const seen: string[] = [];
    let summary = '';
    let text = '';
    for await (const event of stream) {
      if (seen.at(-1) !== event.type || !event.type.endsWith('.delta')) seen.push(event.type);
      if (event.type === 'response.reasoning_summary_text.delta') summary += event.delta;
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    const final = await stream.finalResponse();
    assert.deepEqual(seen.slice(2, 9), [
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
    ]);
    assert.ok(summary.length > 0);
    const reasoning = final.output[0] as OpenAI.Responses.ResponseReasoningItem;
    assert.equal(reasoning.summary[0]?.text, summary);
    assert.equal(final.output_text, text);
    assert.ok((final.usage?.output_tokens_details.reasoning_tokens ?? 0) > 0);
    const [row] = await ledgerRows(gateway, accountId);
    assert.equal(row?.reasoning_tokens, final.usage?.output_tokens_details.reasoning_tokens);
    assert.equal(row?.completion_tokens, final.usage?.output_tokens);
  });

  for (const model of ['gemini-3.5-flash', 'sim-openai']) {
    test(`${model}: a streamed function call (arguments delta and done), then its output`, async () => {
      const { key, accountId } = await account();
      const client = sdk(key);
      const tools: OpenAI.Responses.FunctionTool[] = [
        {
          type: 'function',
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          strict: false,
        },
      ];
      const input = 'Weather in Oslo? [[sim:tool-call=1]]';
      const stream = client.responses.stream({ model, input, tools });
      let argumentsText = '';
      let doneArguments: string | undefined;
      for await (const event of stream) {
        if (event.type === 'response.function_call_arguments.delta') argumentsText += event.delta;
        if (event.type === 'response.function_call_arguments.done') doneArguments = event.arguments;
      }
      const final = await stream.finalResponse();
      const call = final.output.find((item) => item.type === 'function_call');
      assert.ok(call);
      assert.equal(call.arguments, argumentsText);
      assert.equal(doneArguments, argumentsText);
      assert.equal(typeof JSON.parse(argumentsText).city, 'string');
      const answer = await client.responses.create({
        model,
        tools,
        input: [
          { role: 'user', content: input },
          ...(final.output as OpenAI.Responses.ResponseInputItem[]),
          { type: 'function_call_output', call_id: call.call_id, output: 'sunny, 18 C' },
        ],
        stream: true,
      });
      let completed: OpenAI.Responses.Response | undefined;
      for await (const event of answer) if (event.type === 'response.completed') completed = event.response;
      assert.equal(completed?.status, 'completed');
      const message = completed?.output[0] as OpenAI.Responses.ResponseOutputMessage | undefined;
      assert.equal(message?.type, 'message');
      assert.ok((message?.content[0] as OpenAI.Responses.ResponseOutputText).text.length > 0);
      const rows = await ledgerRows(gateway, accountId);
      assert.equal(rows.length, 2);
      assert.ok(rows.every((row) => row.door === 'openai-responses' && row.stream));
    });
  }

  test('max_output_tokens reached while streaming ends with response.incomplete', async () => {
    const { key } = await account();
    const { events } = await rawStream(key, {
      model: 'sim-openai',
      input: 'Long story [[sim:tokens=300]]',
      max_output_tokens: 20,
    });
    const last = events.at(-1);
    assert.equal(last?.event, 'response.incomplete');
    assert.equal(last?.data.response.status, 'incomplete');
    assert.deepEqual(last?.data.response.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(last?.data.response.output[0].status, 'incomplete');
  });

  test('an upstream that breaks mid-stream: an error event, then response.failed; the attempt is billed once', async () => {
    const { key, accountId } = await account();
    const { events } = await rawStream(key, {
      model: 'gemini-3.5-flash',
      input: 'Break please [[sim:chunks=6;reset_after=3]]',
    });
    const names = events.map((event) => event.event);
    assert.ok(names.includes('response.output_text.delta'));
    assert.deepEqual(names.slice(-2), ['error', 'response.failed']);
    const error = events.at(-2)?.data;
    assert.equal(typeof error?.error.message, 'string');
    assert.equal(typeof error?.error.code, 'string');
    const failed = events.at(-1)?.data.response;
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error.message, error?.error.message);
    events.forEach((event, index) => assert.equal(event.data.sequence_number, index));
    const rows = await ledgerRows(gateway, accountId);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.door, 'openai-responses');
    assert.notEqual(rows[0]?.terminal_state, 'ok');
  });
});

describe('Idempotency-Key', () => {
  for (const stream of [false, true]) {
    test(`a retry with the same key replays the first answer${stream ? ' (stream)' : ''}, billed once`, async () => {
      const { key, accountId } = await account();
      const send = () =>
        fetch(`${gateway.url}/v1/responses`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
            'idempotency-key': `responses-${String(stream)}`,
          },
          body: JSON.stringify({ model: 'gemini-3.5-flash', input: 'Once only', stream }),
        });
      const first = await send();
      const firstBody = await first.text();
      const second = await send();
      assert.equal(second.headers.get('idempotent-replayed'), 'true');
      assert.equal(await second.text(), firstBody);
      assert.match(firstBody, /resp_/);
      assert.equal((await ledgerRows(gateway, accountId)).length, 1);
    });
  }
});

describe('errors in OpenAI shape', () => {
  test('a key allowed only gemini-3.5-flash gets a 403 for another model, and no ledger row', async () => {
    const { key, accountId } = await account({ models: ['gemini-3.5-flash'] });
    const client = sdk(key);
    await assert.rejects(client.responses.create({ model: 'sim-openai', input: 'hi' }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.PermissionDeniedError);
      assert.equal(error.status, 403);
      assert.equal(error.type, 'permission_error');
      assert.equal(error.code, 'model_forbidden');
      return true;
    });
    const ok = await client.responses.create({ model: 'gemini-3.5-flash', input: 'hi' });
    assert.equal(ok.status, 'completed');
    const metrics = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    const exposition = await metrics.text();
    assert.match(exposition, /door="openai-responses",model="gemini-3\.5-flash",status="200"/);
    assert.match(exposition, /door="openai-responses",model="sim-openai",status="403"/);
    const rows = await ledgerRows(gateway, accountId);
    assert.deepEqual(
      rows.map((row) => row.model),
      ['gemini-3.5-flash'],
    );
  });

  test('the raw error body: message, type, param, code', async () => {
    const { key } = await account();
    const response = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-3.5-flash', input: 'hi', previous_response_id: 'resp_abc' }),
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: Record<string, unknown> };
    assert.deepEqual(Object.keys(body.error).slice(0, 4), ['message', 'type', 'param', 'code']);
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.param, 'previous_response_id');
    assert.equal(body.error.code, 'invalid_request');
    assert.match(String(body.error.message), /previous_response_id/);

    const broken = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{"model": "gemini-3.5-flash", "input": ',
    });
    assert.equal(broken.status, 400);
    const parse = (await broken.json()) as { error: Record<string, unknown> };
    assert.equal(parse.error.type, 'invalid_request_error');
    assert.equal(parse.error.code, 'invalid_json');
    assert.equal(parse.error.param, null);

    const unauthorized = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-wrong', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-3.5-flash', input: 'hi' }),
    });
    assert.equal(unauthorized.status, 401);
    const denied = (await unauthorized.json()) as { error: Record<string, unknown> };
    assert.equal(denied.error.type, 'authentication_error');
    assert.equal(denied.error.param, null);
  });

  const refusals: Array<[string, Record<string, unknown>, string]> = [
    ['store: true', { store: true }, 'store'],
    ['conversation', { conversation: 'conv_1' }, 'conversation'],
    ['background', { background: true }, 'background'],
    ['a hosted tool', { tools: [{ type: 'web_search_preview' }] }, 'tools[0].type'],
    ['an item_reference', { input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0]'],
    ['an unknown field', { frobnicate: 1 }, 'frobnicate'],
    ['truncation auto', { truncation: 'auto' }, 'truncation'],
    [
      'a bad part',
      { input: [{ role: 'user', content: [{ type: 'input_audio' }] }] },
      'input[0].content[0].type',
    ],
    ['an unknown include', { include: ['file_search_call.results'] }, 'include[0]'],
    [
      'a call without call_id',
      { input: [{ type: 'function_call', name: 'f', arguments: '{}' }] },
      'input[0].call_id',
    ],
  ];
  for (const [name, fields, param] of refusals) {
    test(`${name} is refused with a 400 naming ${param}`, async () => {
      const { key, accountId } = await account();
      await assert.rejects(
        sdk(key).responses.create({ model: 'gemini-3.5-flash', input: 'hi', ...fields } as never),
        (error: unknown) => {
          assert.ok(error instanceof OpenAI.BadRequestError, String(error));
          assert.equal(error.param, param);
          assert.equal(error.type, 'invalid_request_error');
          return true;
        },
      );
      assert.equal((await ledgerRows(gateway, accountId)).length, 0);
    });
  }

  test('a canonical field refused by the provider is named in this dialect (text.verbosity)', async () => {
    const { key } = await account();
    await assert.rejects(
      sdk(key).responses.create({ model: 'gemini-3.5-flash', input: 'hi', text: { verbosity: 'low' } }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError, String(error));
        assert.equal(error.param, 'text.verbosity');
        return true;
      },
    );
  });
});
