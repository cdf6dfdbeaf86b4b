/**
 * The Vercel AI SDK's default OpenAI provider (`createOpenAI({ baseURL, apiKey })(model)`, which speaks
 * the Responses API) pointed at Portico: `generateText`, `streamText`, a tool call run to its answer
 * over two steps, reasoning summaries, and the documented limit (no stored responses: a later turn
 * needs `store: false`, else the SDK sends `item_reference`s and gets a 400 saying so). The ledger is
 * checked after each.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, stepCountIs, streamText, tool, type ModelMessage } from 'ai';
import { z } from 'zod';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { ledgerRows, rowCostMicros, type LedgerRow } from '../helpers/ledger.ts';

let gateway: Gateway;

before(async () => {
  gateway = await startGateway();
});
after(async () => gateway.close());

async function provider(): Promise<{ openai: ReturnType<typeof createOpenAI>; accountId: string }> {
  const { key, accountId } = await gateway.account(10);
  return { openai: createOpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key }), accountId };
}

function checkRows(rows: LedgerRow[], count: number, stream: boolean): void {
  assert.equal(rows.length, count);
  for (const row of rows) {
    assert.equal(row.door, 'openai-responses');
    assert.equal(row.stream, stream);
    assert.equal(row.terminal_state, 'ok');
    assert.equal(row.cost_micros, rowCostMicros(row));
  }
}

describe('@ai-sdk/openai (Responses API)', () => {
  for (const model of ['gemini-3.5-flash', 'sim-openai']) {
    test(`${model}: generateText, usage equal to the ledger row`, async () => {
      const { openai, accountId } = await provider();
      const result = await generateText({
        model: openai(model),
        system: 'Be brief.',
        prompt: 'Hello, introduce yourself',
        maxRetries: 0,
      });
      assert.ok(result.text.length > 0);
      assert.equal(result.finishReason, 'stop');
      assert.match(String(result.providerMetadata?.openai?.responseId), /^resp_/);
      const rows = await ledgerRows(gateway, accountId);
      checkRows(rows, 1, false);
      const [row] = rows as [LedgerRow];
      assert.equal(result.usage.inputTokens, row.prompt_tokens);
      assert.equal(result.usage.outputTokens, row.completion_tokens);
      assert.equal(result.usage.totalTokens, row.total_tokens);
    });

    test(`${model}: streamText, text and usage`, async () => {
      const { openai, accountId } = await provider();
      const result = streamText({
        model: openai(model),
        prompt: 'Count to ten [[sim:chunks=4]]',
        maxRetries: 0,
      });
      let text = '';
      for await (const delta of result.textStream) text += delta;
      assert.ok(text.length > 0);
      assert.equal(await result.text, text);
      assert.equal(await result.finishReason, 'stop');
      const usage = await result.usage;
      const rows = await ledgerRows(gateway, accountId);
      checkRows(rows, 1, true);
      assert.equal(usage.inputTokens, rows[0]?.prompt_tokens);
      assert.equal(usage.outputTokens, rows[0]?.completion_tokens);
    });
  }

  for (const stream of [false, true]) {
    test(`a tool call and its result over two steps (${stream ? 'streamText' : 'generateText'})`, async () => {
      const { openai, accountId } = await provider();
      const calls: string[] = [];
      const weather = tool({
        description: 'Current weather in a city',
        inputSchema: z.object({ city: z.string() }),
        execute: async ({ city }) => {
          calls.push(city);
          return { city, temperature_c: 21 };
        },
      });
      const settings = {
        model: openai('gemini-3.5-flash'),
        prompt: 'What is the weather in Paris? [[sim:tool-call=1]]',
        tools: { get_weather: weather },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
        providerOptions: { openai: { store: false } },
      };
      let steps: Array<{ toolCalls: unknown[] }>;
      let text: string;
      if (stream) {
        const result = streamText(settings);
        text = await result.text;
        steps = await result.steps;
      } else {
        const result = await generateText(settings);
        text = result.text;
        steps = result.steps;
      }
      assert.equal(calls.length, 1);
      assert.equal(steps.length, 2);
      assert.equal(steps[0]?.toolCalls.length, 1);
      assert.ok(text.length > 0);
      checkRows(await ledgerRows(gateway, accountId), 2, stream);
    });
  }

  test('reasoning summaries come back as reasoning text', async () => {
    const { openai, accountId } = await provider();
    const result = await generateText({
      model: openai('gemini-3.5-flash'),
      prompt: 'Think, then answer',
      maxRetries: 0,
      providerOptions: { openai: { reasoningEffort: 'low', reasoningSummary: 'auto', forceReasoning: true } },
    });
    assert.ok((result.reasoningText ?? '').length > 0, JSON.stringify(result.warnings));
    assert.ok((result.usage.outputTokenDetails?.reasoningTokens ?? 0) > 0);
    const rows = await ledgerRows(gateway, accountId);
    checkRows(rows, 1, false);
    assert.equal(result.usage.outputTokenDetails?.reasoningTokens, rows[0]?.reasoning_tokens);
  });

  test('a later turn: with store false it works; by default the SDK sends item_reference and gets a 400', async () => {
    const { openai, accountId } = await provider();
    const first = await generateText({ model: openai('sim-openai'), prompt: 'Hello', maxRetries: 0 });
    const messages: ModelMessage[] = [
      { role: 'user', content: 'Hello' },
      ...first.response.messages,
      { role: 'user', content: 'And again?' },
    ];
    await assert.rejects(
      generateText({ model: openai('sim-openai'), messages, maxRetries: 0 }),
      (error: unknown) => {
        assert.ok(APICallError.isInstance(error), String(error));
        assert.equal(error.statusCode, 400);
        assert.match(error.message, /item_reference/);
        assert.match(error.message, /store = false/);
        return true;
      },
    );
    const second = await generateText({
      model: openai('sim-openai'),
      messages,
      maxRetries: 0,
      providerOptions: { openai: { store: false } },
    });
    assert.ok(second.text.length > 0);
    checkRows(await ledgerRows(gateway, accountId), 2, false);
  });
});
