/**
 * The Gemini-native door with the real clients: `@google/genai` (generateContent, generateContentStream,
 * countTokens, models.list / models.get, a function-call round trip; under /v1beta and the SDK's default
 * /v1) and `@ai-sdk/google` with `ai` (generateText, streamText, a tool loop), against the simulator
 * through the gateway. `gemini-3.5-flash` is a Gemini deployment (native passthrough), `sim-openai` an
 * OpenAI-compatible one (translation). The ledger is checked after each call: one row per upstream
 * attempt, door `gemini-native`, the simulator's tokens, the cost at the configured prices.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, GoogleGenAI, type Content } from '@google/genai';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

const PRICES = {
  'gemini-3.5-flash': { input: 0.3, output: 2.5 },
  'sim-openai': { input: 1, output: 2 },
} as const;
type ModelName = keyof typeof PRICES;

let gateway: Gateway;
let key: string;
let accountId: string;
/** Ledger rows already checked for the shared account. */
let seen = 0;

before(async () => {
  gateway = await startGateway({
    models: {
      'gemini-3.5-flash': {
        deployments: [{ provider: 'google', model: 'gemini-3.5-flash' }],
        pricing: { ...PRICES['gemini-3.5-flash'], cached_input: 0.03 },
        max_output_tokens: 8192,
      },
      'sim-openai': {
        deployments: [{ provider: 'local', model: 'sim-openai-upstream' }],
        pricing: { ...PRICES['sim-openai'], cached_input: 0.5 },
        max_output_tokens: 4096,
      },
    },
  });
  ({ key, accountId } = await gateway.account(50));
});
after(async () => gateway.close());

interface Row {
  request_id: string;
  model: string;
  door: string;
  prompt_tokens: number;
  cached_tokens: number;
  completion_tokens: number;
  cost_micros: number;
  usage_estimated: boolean;
  terminal_state: string;
  stream: boolean;
}

/** The rows written since the last call, oldest first, each checked against the simulator and prices. */
async function newRows(expected: number, model: ModelName, stream: boolean): Promise<Row[]> {
  const usage = await gateway.admin('GET', `/admin/usage?account_id=${accountId}&limit=1000`);
  const rows = ([...usage.body.data] as Row[]).reverse();
  const fresh = rows.slice(seen);
  seen = rows.length;
  assert.equal(fresh.length, expected, `ledger rows: ${JSON.stringify(fresh)}`);
  for (const row of fresh) {
    assert.equal(row.door, 'gemini-native');
    assert.equal(row.model, model);
    assert.equal(row.terminal_state, 'ok');
    assert.equal(row.stream, stream);
    assert.equal(row.usage_estimated, false);
    const attempt = gateway.simulator.attempts.find((entry) => entry.requestId === row.request_id);
    assert.ok(attempt, `the simulator saw ${row.request_id}`);
    assert.equal(row.prompt_tokens, attempt.promptTokens);
    assert.equal(row.completion_tokens, attempt.completionTokens);
    const price = PRICES[model];
    const scaled = row.prompt_tokens * price.input * 1000 + row.completion_tokens * price.output * 1000;
    assert.equal(row.cost_micros, Math.ceil(Math.round(scaled) / 1000));
    assert.ok(row.cost_micros > 0);
  }
  return fresh;
}

function genai(apiVersion?: string, apiKey = key): GoogleGenAI {
  return new GoogleGenAI({
    apiKey,
    httpOptions: { baseUrl: gateway.url, ...(apiVersion ? { apiVersion } : {}) },
  });
}

const WEATHER = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parametersJsonSchema: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
  },
};

for (const model of ['gemini-3.5-flash', 'sim-openai'] as const) {
  const route = model === 'gemini-3.5-flash' ? 'passthrough' : 'translated';

  describe(`@google/genai on ${model} (${route})`, () => {
    test('generateContent under /v1beta and under the default /v1', async () => {
      for (const version of ['v1beta', undefined]) {
        const before = gateway.simulator.attempts.length;
        const response = await genai(version).models.generateContent({
          model,
          contents: 'Say something short about rain.',
          config: { systemInstruction: 'Be brief.', temperature: 0.2, maxOutputTokens: 200 },
        });
        assert.ok(response.text && response.text.length > 0);
        assert.equal(response.candidates?.[0]?.finishReason, 'STOP');
        const usage = response.usageMetadata;
        assert.ok(usage?.promptTokenCount && usage.candidatesTokenCount);
        const [row] = await newRows(1, model, false);
        assert.equal(usage.promptTokenCount, row?.prompt_tokens);
        const sent = gateway.simulator.attempts[before]?.body as Record<string, any>;
        if (model === 'gemini-3.5-flash') {
          // Passthrough: the client's own body, with the held output cap.
          assert.deepEqual(sent.systemInstruction, { parts: [{ text: 'Be brief.' }], role: 'user' });
          assert.equal(sent.generationConfig.maxOutputTokens, 200);
          assert.equal(sent.generationConfig.temperature, 0.2);
        } else {
          assert.equal(sent.messages[0].role, 'system');
          assert.equal(sent.max_completion_tokens ?? sent.max_tokens, 200);
        }
      }
    });

    test('generateContentStream', async () => {
      const stream = await genai('v1beta').models.generateContentStream({
        model,
        contents: 'Tell me a story [[sim:chunks=4]]',
      });
      let text = '';
      let last;
      for await (const chunk of stream) {
        text += chunk.text ?? '';
        last = chunk;
      }
      assert.ok(text.length > 0);
      assert.equal(last?.candidates?.[0]?.finishReason, 'STOP');
      const [row] = await newRows(1, model, true);
      assert.equal(last?.usageMetadata?.promptTokenCount, row?.prompt_tokens);
      assert.equal(
        last?.usageMetadata?.totalTokenCount,
        (row?.prompt_tokens ?? 0) + (row?.completion_tokens ?? 0),
      );
    });

    test('a function call round trip', async () => {
      const ai = genai('v1beta');
      const config = { tools: [{ functionDeclarations: [WEATHER] }] };
      const question: Content = { role: 'user', parts: [{ text: 'What is the weather in Paris?' }] };
      const first = await ai.models.generateContent({ model, contents: [question], config });
      const call = first.functionCalls?.[0];
      assert.equal(call?.name, 'get_weather');
      assert.equal(typeof call?.args?.city, 'string');
      const modelTurn = first.candidates?.[0]?.content as Content;
      if (model === 'gemini-3.5-flash') {
        // The upstream's thought signature reaches the client on its part, as Gemini sends it.
        assert.ok(modelTurn.parts?.some((part) => part.functionCall && part.thoughtSignature));
      }
      const second = await ai.models.generateContent({
        model,
        contents: [
          question,
          modelTurn,
          { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { celsius: 21 } } }] },
        ],
        config,
      });
      assert.ok(second.text && second.text.length > 0);
      await newRows(2, model, false);
      const sent = gateway.simulator.attempts.at(-1)?.body as Record<string, any>;
      if (model === 'gemini-3.5-flash') {
        assert.deepEqual(sent.contents[1], JSON.parse(JSON.stringify(modelTurn)));
        assert.deepEqual(sent.contents[2].parts[0].functionResponse.response, { celsius: 21 });
      } else {
        const toolMessage = sent.messages.find((message: { role: string }) => message.role === 'tool');
        assert.equal(JSON.parse(toolMessage.content).celsius, 21);
      }
    });

    test('countTokens is free and writes no ledger row', async () => {
      const counted = await genai().models.countTokens({ model, contents: 'How many tokens is this?' });
      assert.ok((counted.totalTokens ?? 0) > 0);
      await newRows(0, model, false);
    });
  });
}

describe('@google/genai models', () => {
  test('models.list and models.get under both versions show only the key’s models', async () => {
    const narrow = await gateway.account(1, { models: ['gemini-3.5-flash'] });
    for (const version of ['v1beta', undefined]) {
      const names: string[] = [];
      for await (const entry of await genai(version, narrow.key).models.list()) names.push(entry.name ?? '');
      assert.deepEqual(names, ['models/gemini-3.5-flash']);
      const model = await genai(version, narrow.key).models.get({ model: 'gemini-3.5-flash' });
      assert.equal(model.name, 'models/gemini-3.5-flash');
      assert.equal(model.outputTokenLimit, 8192);
      assert.ok((model.inputTokenLimit ?? 0) > 0);
      assert.deepEqual(model.supportedActions, ['generateContent', 'streamGenerateContent', 'countTokens']);
      await assert.rejects(
        genai(version, narrow.key).models.get({ model: 'sim-openai' }),
        (error: unknown) => error instanceof ApiError && error.status === 404,
      );
    }
  });

  test('a key allowed only gemini-3.5-flash gets PERMISSION_DENIED for another model', async () => {
    const narrow = await gateway.account(1, { models: ['gemini-3.5-flash'] });
    await assert.rejects(
      genai('v1beta', narrow.key).models.generateContent({ model: 'sim-openai', contents: 'hi' }),
      (error: unknown) =>
        error instanceof ApiError && error.status === 403 && error.message.includes('PERMISSION_DENIED'),
    );
    const raw = await fetch(`${gateway.url}/v1/models/sim-openai:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'x-goog-api-key': narrow.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
    });
    assert.equal(raw.status, 403);
    const body = (await raw.json()) as { error: { code: number; status: string; message: string } };
    assert.equal(body.error.code, 403);
    assert.equal(body.error.status, 'PERMISSION_DENIED');
    assert.match(body.error.message, /sim-openai/);
  });
});

describe('@ai-sdk/google with ai', () => {
  const provider = () => createGoogleGenerativeAI({ apiKey: key, baseURL: `${gateway.url}/v1beta` });

  for (const model of ['gemini-3.5-flash', 'sim-openai'] as const) {
    test(`generateText and streamText on ${model}`, async () => {
      const result = await generateText({ model: provider()(model), prompt: 'A short line about tea.' });
      assert.ok(result.text.length > 0);
      assert.equal(result.finishReason, 'stop');
      const [row] = await newRows(1, model, false);
      assert.equal(result.usage.inputTokens, row?.prompt_tokens);

      const streamed = streamText({ model: provider()(model), prompt: 'A short line about coffee.' });
      let text = '';
      for await (const delta of streamed.textStream) text += delta;
      assert.ok(text.length > 0);
      const [streamRow] = await newRows(1, model, true);
      assert.equal((await streamed.usage).inputTokens, streamRow?.prompt_tokens);
    });

    test(`a tool loop on ${model}`, async () => {
      const result = await generateText({
        model: provider()(model),
        prompt: 'What is the weather in Paris?',
        tools: {
          get_weather: tool({
            description: 'Current weather for a city',
            inputSchema: z.object({ city: z.string() }),
            execute: async ({ city }) => ({ city, celsius: 21 }),
          }),
        },
        stopWhen: stepCountIs(3),
      });
      assert.ok(result.steps.length >= 2, `steps: ${result.steps.length}`);
      assert.equal(result.steps[0]?.toolCalls[0]?.toolName, 'get_weather');
      assert.ok(result.text.length > 0);
      await newRows(result.steps.length, model, false);
    });
  }
});
