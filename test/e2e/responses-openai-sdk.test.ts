/**
 * The OpenAI Responses door (`POST /v1/responses`) driven by the official `openai` SDK (`responses.create`,
 * `responses.stream`, `responses.parse`), against the simulator through the whole gateway. After each
 * call the ledger is checked: one row per attempt, on door `openai-responses`, with the tokens the
 * response's `usage` reports and the cost they come to at the row's price version.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { ledgerRows, rowCostMicros, type LedgerRow } from '../helpers/ledger.ts';

let gateway: Gateway;

before(async () => {
  gateway = await startGateway();
});
after(async () => gateway.close());

async function client(): Promise<{ openai: OpenAI; accountId: string }> {
  const { key, accountId } = await gateway.account(10);
  return { openai: new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 }), accountId };
}

/** The one new row, checked against the response's usage and its price. */
async function checkRow(
  accountId: string,
  response: { id: string; usage?: OpenAI.Responses.ResponseUsage | null },
  expected: { stream: boolean; model: string; count?: number },
): Promise<LedgerRow> {
  const rows = await ledgerRows(gateway, accountId);
  assert.equal(rows.length, expected.count ?? 1);
  const row = rows[rows.length - 1] as LedgerRow;
  assert.equal(row.door, 'openai-responses');
  assert.equal(row.model, expected.model);
  assert.equal(row.stream, expected.stream);
  assert.equal(row.state, 'settled');
  assert.equal(row.terminal_state, 'ok');
  assert.equal(`resp_${row.request_id.slice(4)}`, response.id);
  const usage = response.usage as OpenAI.Responses.ResponseUsage & { cost: number };
  assert.equal(row.prompt_tokens, usage.input_tokens);
  assert.equal(row.cached_tokens, usage.input_tokens_details.cached_tokens);
  assert.equal(row.completion_tokens, usage.output_tokens);
  assert.equal(row.reasoning_tokens, usage.output_tokens_details.reasoning_tokens);
  assert.equal(row.total_tokens, usage.total_tokens);
  assert.equal(row.usage_estimated, false);
  assert.equal(row.cost_micros, rowCostMicros(row));
  assert.equal(Math.round(usage.cost * 1_000_000), row.cost_micros);
  return row;
}

const WEATHER_TOOL: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
};

describe('responses.create', () => {
  for (const model of ['gemini-3.5-flash', 'sim-openai']) {
    test(`${model}: the response object, output_text, usage, one ledger row`, async () => {
      const { openai, accountId } = await client();
      const { data, response } = await openai.responses
        .create({ model, input: 'Hello, introduce yourself', instructions: 'Answer briefly.' })
        .withResponse();
      assert.match(data.id, /^resp_/);
      assert.equal(data.object, 'response');
      assert.equal(data.status, 'completed');
      assert.equal(data.model, model);
      assert.equal(data.instructions, 'Answer briefly.');
      assert.equal((data as unknown as { store: boolean }).store, false);
      assert.equal(data.error, null);
      assert.equal(data.incomplete_details, null);
      assert.equal(data.output.length, 1);
      const message = data.output[0] as OpenAI.Responses.ResponseOutputMessage;
      assert.equal(message.type, 'message');
      assert.equal(message.role, 'assistant');
      assert.equal(message.status, 'completed');
      assert.match(message.id, /^msg_/);
      const part = message.content[0] as OpenAI.Responses.ResponseOutputText;
      assert.equal(part.type, 'output_text');
      assert.deepEqual(part.annotations, []);
      assert.ok(part.text.length > 0);
      assert.equal(data.output_text, part.text);
      assert.ok(data.usage && data.usage.input_tokens > 0 && data.usage.output_tokens > 0);
      assert.equal(data.usage.total_tokens, data.usage.input_tokens + data.usage.output_tokens);
      assert.ok(response.headers.get('x-request-id'));
      await checkRow(accountId, data, { stream: false, model });
    });
  }

  test('a message list with input_text parts and a developer message', async () => {
    const { openai, accountId } = await client();
    const data = await openai.responses.create({
      model: 'gemini-3.5-flash',
      input: [
        { role: 'developer', content: 'You are terse.' },
        { role: 'user', content: [{ type: 'input_text', text: 'First question' }] },
        { role: 'assistant', content: 'First answer' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Second question' }] },
      ],
    });
    assert.equal(data.status, 'completed');
    assert.ok(data.output_text.length > 0);
    await checkRow(accountId, data, { stream: false, model: 'gemini-3.5-flash' });
  });

  test('reasoning.effort with a summary: a reasoning item with summary_text, reasoning tokens billed', async () => {
    const { openai, accountId } = await client();
    const data = await openai.responses.create({
      model: 'gemini-3.5-flash',
      input: 'Think about it, then answer',
      reasoning: { effort: 'low', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
    });
    assert.deepEqual(
      data.output.map((item) => item.type),
      ['reasoning', 'message'],
    );
    const reasoning = data.output[0] as OpenAI.Responses.ResponseReasoningItem;
    assert.match(reasoning.id, /^rs_/);
    assert.equal(reasoning.summary.length, 1);
    assert.equal(reasoning.summary[0]?.type, 'summary_text');
    assert.ok((reasoning.summary[0]?.text ?? '').length > 0);
    assert.equal(typeof reasoning.encrypted_content, 'string');
    assert.deepEqual(data.reasoning, { effort: 'low', summary: 'auto' });
    assert.ok((data.usage?.output_tokens_details.reasoning_tokens ?? 0) > 0);
    await checkRow(accountId, data, { stream: false, model: 'gemini-3.5-flash' });

    // The reasoning item goes back as input next turn (stateless: its encrypted_content carries it).
    const next = await openai.responses.create({
      model: 'gemini-3.5-flash',
      input: [
        { role: 'user', content: 'Think about it, then answer' },
        ...(data.output as OpenAI.Responses.ResponseInputItem[]),
        { role: 'user', content: 'And now?' },
      ],
    });
    assert.equal(next.status, 'completed');
    await checkRow(accountId, next, { stream: false, model: 'gemini-3.5-flash', count: 2 });
  });

  test('without a summary the reasoning item has an empty summary', async () => {
    const { openai, accountId } = await client();
    const data = await openai.responses.create({
      model: 'gemini-3.5-flash',
      input: 'Think quietly',
      reasoning: { effort: 'medium' },
    });
    const reasoning = data.output[0] as OpenAI.Responses.ResponseReasoningItem;
    assert.equal(reasoning.type, 'reasoning');
    assert.deepEqual(reasoning.summary, []);
    await checkRow(accountId, data, { stream: false, model: 'gemini-3.5-flash' });
  });

  test('max_output_tokens cuts the answer: status incomplete, reason max_output_tokens', async () => {
    const { openai, accountId } = await client();
    const data = await openai.responses.create({
      model: 'sim-openai',
      input: 'Tell me a long story [[sim:tokens=400]]',
      max_output_tokens: 16,
    });
    assert.equal(data.status, 'incomplete');
    assert.deepEqual(data.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal((data.output[0] as OpenAI.Responses.ResponseOutputMessage).status, 'incomplete');
    assert.equal(data.max_output_tokens, 16);
    assert.ok((data.usage?.output_tokens ?? 0) <= 16);
    await checkRow(accountId, data, { stream: false, model: 'sim-openai' });
  });
});

describe('function tools', () => {
  for (const model of ['gemini-3.5-flash', 'sim-openai']) {
    test(`${model}: function_call, then function_call_output, then the answer`, async () => {
      const { openai, accountId } = await client();
      const first = await openai.responses.create({
        model,
        input: 'What is the weather in Paris? [[sim:tool-call=1]]',
        tools: [WEATHER_TOOL],
        tool_choice: 'auto',
      });
      const call = first.output.find((item) => item.type === 'function_call');
      assert.ok(call, JSON.stringify(first.output));
      assert.match(call.id ?? '', /^fc_/);
      assert.equal(call.name, 'get_weather');
      assert.equal(call.status, 'completed');
      assert.equal(typeof JSON.parse(call.arguments).city, 'string');
      assert.ok(call.call_id.length > 0);
      assert.equal(first.tools[0]?.type, 'function');
      await checkRow(accountId, first, { stream: false, model });

      // The call goes back as the SDK returned it (Gemini's thought signature rides in call_id).
      const second = await openai.responses.create({
        model,
        input: [
          { role: 'user', content: 'What is the weather in Paris? [[sim:tool-call=1]]' },
          ...(first.output as OpenAI.Responses.ResponseInputItem[]),
          { type: 'function_call_output', call_id: call.call_id, output: '{"temperature_c": 21}' },
        ],
        tools: [WEATHER_TOOL],
      });
      assert.equal(second.status, 'completed');
      assert.equal(second.output[0]?.type, 'message');
      assert.ok(second.output_text.length > 0);
      await checkRow(accountId, second, { stream: false, model, count: 2 });
    });
  }

  test('tool_choice naming a function forces that call', async () => {
    const { openai, accountId } = await client();
    const data = await openai.responses.create({
      model: 'gemini-3.5-flash',
      input: 'Say hello',
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'function', name: 'get_weather' },
    });
    assert.equal(data.output.at(-1)?.type, 'function_call');
    assert.deepEqual(data.tool_choice, { type: 'function', name: 'get_weather' });
    await checkRow(accountId, data, { stream: false, model: 'gemini-3.5-flash' });
  });
});

describe('structured output', () => {
  test('responses.parse with a zod text format', async () => {
    const { openai, accountId } = await client();
    const Person = z.object({ name: z.string(), age: z.number().int(), tags: z.array(z.string()) });
    const data = await openai.responses.parse({
      model: 'gemini-3.5-flash',
      input: 'Describe a person as JSON',
      text: { format: zodTextFormat(Person, 'person') },
    });
    assert.ok(data.output_parsed, data.output_text);
    assert.equal(Person.safeParse(data.output_parsed).success, true);
    assert.equal((data.text?.format as { type: string }).type, 'json_schema');
    await checkRow(accountId, data, { stream: false, model: 'gemini-3.5-flash' });
  });

  test('text.format json_object gives a JSON object', async () => {
    const { openai, accountId } = await client();
    const data = await openai.responses.create({
      model: 'gemini-3.5-flash',
      input: 'Reply in JSON',
      text: { format: { type: 'json_object' } },
    });
    assert.equal(typeof JSON.parse(data.output_text), 'object');
    await checkRow(accountId, data, { stream: false, model: 'gemini-3.5-flash' });
  });
});

describe("Gemini's built-in tools and other dialect details", () => {
  /** A grounded answer is billed one grounded prompt beside its tokens (`-gnd<USD per 1k>` on the row). */
  function groundingMicros(row: LedgerRow): number {
    const match = /-gnd([\d.]+)/.exec(row.price_version);
    assert.ok(match, row.price_version);
    return Math.round(Number(match[1]) * 1000);
  }

  test('google_search: url_citation annotations on the output_text (JSON)', async () => {
    const { openai, accountId } = await client();
    const data = await openai.responses.create({
      model: 'gemini-3.5-flash',
      input: 'Who won the match yesterday?',
      tools: [{ type: 'google_search' } as never],
    });
    const part = (data.output.at(-1) as OpenAI.Responses.ResponseOutputMessage)
      .content[0] as OpenAI.Responses.ResponseOutputText;
    assert.ok(part.annotations.length > 0);
    for (const annotation of part.annotations) {
      assert.equal(annotation.type, 'url_citation');
      if (annotation.type !== 'url_citation') continue;
      assert.match(annotation.url, /^https:\/\//);
      assert.ok(annotation.end_index > annotation.start_index);
      assert.ok(annotation.end_index <= part.text.length);
    }
    const [row] = await ledgerRows(gateway, accountId);
    assert.ok(row);
    assert.equal(row.cost_micros, rowCostMicros(row) + groundingMicros(row));
  });

  test('google_search while streaming: response.output_text.annotation.added events', async () => {
    const { openai } = await client();
    const stream = openai.responses.stream({
      model: 'gemini-3.5-flash',
      input: 'Latest news please [[sim:chunks=4]]',
      tools: [{ type: 'google_search' } as never],
    });
    const added: unknown[] = [];
    for await (const event of stream) {
      if (event.type === 'response.output_text.annotation.added') added.push(event.annotation);
    }
    const final = await stream.finalResponse();
    const part = (final.output.at(-1) as OpenAI.Responses.ResponseOutputMessage)
      .content[0] as OpenAI.Responses.ResponseOutputText;
    assert.ok(added.length > 0);
    assert.deepEqual(part.annotations, added);
  });

  test("Codex's client_metadata is accepted and nothing of it reaches the answer", async () => {
    const { openai, accountId } = await client();
    const data = await openai.responses.create({
      model: 'gemini-3.5-flash',
      input: 'hi',
      store: false,
      client_metadata: { session_id: 's-1', turn_id: 't-1' },
    } as never);
    assert.equal(data.status, 'completed');
    assert.deepEqual(data.metadata, {});
    await checkRow(accountId, data, { stream: false, model: 'gemini-3.5-flash' });
  });
});

describe('logprobs', () => {
  test('include message.output_text.logprobs: per-token logprobs in JSON and on every delta', async () => {
    const { openai, accountId } = await client();
    const request = {
      model: 'gemini-2.5-flash',
      input: 'Hi',
      include: ['message.output_text.logprobs' as const],
      top_logprobs: 2,
    };
    const data = await openai.responses.create(request);
    const part = (data.output[0] as OpenAI.Responses.ResponseOutputMessage)
      .content[0] as OpenAI.Responses.ResponseOutputText;
    assert.ok((part.logprobs ?? []).length > 0);
    const first = part.logprobs?.[0];
    assert.equal(typeof first?.logprob, 'number');
    assert.equal(first?.top_logprobs.length, 2);
    await checkRow(accountId, data, { stream: false, model: 'gemini-2.5-flash' });

    const stream = openai.responses.stream(request);
    let onDeltas = 0;
    for await (const event of stream)
      if (event.type === 'response.output_text.delta') onDeltas += event.logprobs.length;
    const final = await stream.finalResponse();
    const streamed = (final.output[0] as OpenAI.Responses.ResponseOutputMessage)
      .content[0] as OpenAI.Responses.ResponseOutputText;
    assert.ok(onDeltas > 0);
    assert.equal(streamed.logprobs?.length, onDeltas);
  });

  test('a model without logprobs refuses them, naming include', async () => {
    const { openai } = await client();
    await assert.rejects(
      openai.responses.create({
        model: 'gemini-3.5-flash',
        input: 'Hi',
        include: ['message.output_text.logprobs'],
      }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.param, 'include');
        return true;
      },
    );
  });
});
