/**
 * The Vercel AI SDK's Anthropic provider (`createAnthropic({ baseURL, apiKey })(model)`, which speaks the
 * Messages API) pointed at Portico with Claude model names mapped to Gemini models by config aliases:
 * `generateText`, `streamText`, a tool call run to its answer over two steps with thinking on (the thinking
 * block and its signature travel back in the second step), structured output, and a permission error.
 * The ledger is checked after each.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAnthropic } from '@ai-sdk/anthropic';
import { APICallError, generateText, Output, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { ledgerRows, rowCostMicros, type LedgerRow } from '../helpers/ledger.ts';
import { CLAUDE_ALIASES } from '../helpers/claude-aliases.ts';

let gateway: Gateway;

before(async () => {
  gateway = await startGateway({ models: CLAUDE_ALIASES });
});
after(async () => gateway.close());

async function provider(
  key: Record<string, unknown> = {},
): Promise<{ anthropic: ReturnType<typeof createAnthropic>; accountId: string }> {
  const account = await gateway.account(10, key);
  return {
    anthropic: createAnthropic({ baseURL: `${gateway.url}/v1`, apiKey: account.key }),
    accountId: account.accountId,
  };
}

function checkRows(rows: LedgerRow[], count: number, stream: boolean, model: string): void {
  assert.equal(rows.length, count);
  for (const row of rows) {
    assert.equal(row.door, 'anthropic-messages');
    assert.equal(row.model, model);
    assert.equal(row.stream, stream);
    assert.equal(row.terminal_state, 'ok');
    assert.equal(row.usage_estimated, false);
    assert.equal(row.cost_micros, rowCostMicros(row));
  }
}

describe('@ai-sdk/anthropic', () => {
  for (const [model, upstream] of [
    ['claude-sonnet-4-5', 'gemini-3.5-flash'],
    ['sim-openai', 'sim-openai'],
  ] as const) {
    test(`${model}: generateText, usage equal to the ledger row`, async () => {
      const { anthropic, accountId } = await provider();
      const result = await generateText({
        model: anthropic(model),
        system: 'Be brief.',
        prompt: 'Hello, introduce yourself',
        temperature: 0.3,
        maxOutputTokens: 300,
        maxRetries: 0,
      });
      assert.ok(result.text.length > 0);
      assert.equal(result.finishReason, 'stop');
      assert.deepEqual(result.warnings, []);
      const rows = await ledgerRows(gateway, accountId);
      checkRows(rows, 1, false, upstream);
      const [row] = rows as [LedgerRow];
      assert.equal(result.usage.inputTokens, row.prompt_tokens);
      assert.equal(result.usage.outputTokens, row.completion_tokens);
    });

    test(`${model}: streamText, text and the exact usage from message_delta`, async () => {
      const { anthropic, accountId } = await provider();
      const result = streamText({
        model: anthropic(model),
        prompt: 'Count to ten [[sim:chunks=4]]',
        maxOutputTokens: 300,
        maxRetries: 0,
      });
      let text = '';
      for await (const delta of result.textStream) text += delta;
      assert.ok(text.length > 0);
      assert.equal(await result.finishReason, 'stop');
      const usage = await result.usage;
      const rows = await ledgerRows(gateway, accountId);
      checkRows(rows, 1, true, upstream);
      assert.equal(usage.inputTokens, rows[0]?.prompt_tokens);
      assert.equal(usage.outputTokens, rows[0]?.completion_tokens);
    });
  }

  for (const stream of [false, true]) {
    test(`a tool call with thinking over two steps (${stream ? 'streamText' : 'generateText'})`, async () => {
      const { anthropic, accountId } = await provider();
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
        model: anthropic('claude-sonnet-4-5'),
        prompt: 'What is the weather in Paris?',
        tools: { get_weather: weather },
        stopWhen: stepCountIs(3),
        maxOutputTokens: 4000,
        maxRetries: 0,
        providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 2048 } } },
      };
      let steps: Array<{ toolCalls: unknown[]; reasoningText?: string | undefined }>;
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
      assert.deepEqual(calls, [calls[0]]);
      assert.equal(steps.length, 2);
      assert.equal(steps[0]?.toolCalls.length, 1);
      assert.ok((steps[0]?.reasoningText ?? '').length > 0, 'thinking came back as reasoning');
      assert.ok(text.length > 0);
      checkRows(await ledgerRows(gateway, accountId), 2, stream, 'gemini-3.5-flash');
      // The second step replayed the call with the signature Gemini issued, not the sentinel.
      const second = gateway.simulator.attempts.filter((attempt) => attempt.protocol === 'gemini').at(-1);
      const contents = (second?.body as { contents: Array<{ role: string; parts: any[] }> }).contents;
      const call = contents.find((turn) => turn.role === 'model')?.parts.find((part) => part.functionCall);
      assert.ok(call?.thoughtSignature && call.thoughtSignature !== 'skip_thought_signature_validator');
    });
  }

  test('structured output (output_config.format) comes back as JSON text', async () => {
    const { anthropic, accountId } = await provider();
    const result = await generateText({
      model: anthropic('claude-haiku-4-5'),
      prompt: 'A city and its country',
      output: Output.object({ schema: z.object({ city: z.string(), country: z.string() }) }),
      maxOutputTokens: 500,
      maxRetries: 0,
    });
    assert.equal(typeof result.output.city, 'string');
    assert.equal(typeof result.output.country, 'string');
    checkRows(await ledgerRows(gateway, accountId), 1, false, 'gemini-2.5-flash');
  });

  test('a model outside the key allow-list: 403 permission_error', async () => {
    const { anthropic, accountId } = await provider({ models: ['gemini-3.5-flash'] });
    await assert.rejects(
      generateText({ model: anthropic('claude-haiku-4-5'), prompt: 'hi', maxRetries: 0 }),
      (error: unknown) => {
        assert.ok(APICallError.isInstance(error), String(error));
        assert.equal(error.statusCode, 403);
        assert.equal(JSON.parse(error.responseBody ?? '{}').error?.type, 'permission_error');
        return true;
      },
    );
    assert.equal((await ledgerRows(gateway, accountId)).length, 0);
  });
});
