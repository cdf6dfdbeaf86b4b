/**
 * Gemini-native embeddings with `@google/genai` (`ai.models.embedContent` with one and several
 * contents, under the SDK's default /v1 and under /v1beta; the SDK always calls `:batchEmbedContents`)
 * and `:embedContent` on the wire (key in `x-goog-api-key` or `?key=`), against the simulator through
 * the gateway. `gemini-embedding-001` goes to the Gemini upstream (task type, title and dimensions
 * forwarded), `sim-embed` to an OpenAI-compatible one. The ledger is checked after each call: one row
 * per upstream attempt, door `gemini-native`, exact input tokens, the cost at the embedding price.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, GoogleGenAI } from '@google/genai';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { countTokens } from '../../src/simulator/index.ts';

const PRICES = { 'gemini-embedding-001': 0.15, 'sim-embed': 0.02 } as const;
type ModelName = keyof typeof PRICES;

let gateway: Gateway;
let key: string;
let accountId: string;
let seen = 0;

before(async () => {
  gateway = await startGateway({
    models: {
      'gemini-3.5-flash': { deployments: [{ provider: 'google', model: 'gemini-3.5-flash' }] },
      'sim-embed': {
        deployments: [{ provider: 'local', model: 'text-embedding-3-small' }],
        pricing: { input: PRICES['sim-embed'], cached_input: PRICES['sim-embed'], output: 0 },
      },
    },
  });
  ({ key, accountId } = await gateway.account(20));
});
after(async () => gateway.close());

interface Row {
  request_id: string;
  model: string;
  door: string;
  prompt_tokens: number;
  completion_tokens: number;
  cost_micros: number;
  usage_estimated: boolean;
  terminal_state: string;
}

async function rows(account = accountId): Promise<Row[]> {
  const usage = await gateway.admin('GET', `/admin/usage?account_id=${account}&limit=1000`);
  return ([...usage.body.data] as Row[]).reverse();
}

function cost(tokens: number, price: number): number {
  return Math.ceil(Math.round(tokens * price * 10_000) / 10_000);
}

async function newRows(expected: number, model: ModelName, tokens: number): Promise<Row[]> {
  const all = await rows();
  const fresh = all.slice(seen);
  seen = all.length;
  assert.equal(fresh.length, expected, `ledger rows: ${JSON.stringify(fresh)}`);
  for (const row of fresh) {
    assert.equal(row.door, 'gemini-native');
    assert.equal(row.model, model);
    assert.equal(row.terminal_state, 'ok');
    assert.equal(row.usage_estimated, false);
    assert.equal(row.completion_tokens, 0);
    const attempt = gateway.simulator.attempts.find((entry) => entry.requestId === row.request_id);
    assert.ok(attempt, `the simulator saw ${row.request_id}`);
    assert.equal(row.prompt_tokens, attempt.promptTokens);
    assert.equal(row.prompt_tokens, tokens);
    assert.equal(row.cost_micros, cost(tokens, PRICES[model]));
  }
  return fresh;
}

function genai(apiVersion?: string, apiKey = key): GoogleGenAI {
  return new GoogleGenAI({
    apiKey,
    httpOptions: { baseUrl: gateway.url, ...(apiVersion ? { apiVersion } : {}) },
  });
}

function norm(values: readonly number[]): number {
  return Math.sqrt(values.reduce((sum, value) => sum + value * value, 0));
}

describe('@google/genai embedContent', () => {
  test('one content, under the default /v1 and under /v1beta, task type and dimensions forwarded', async () => {
    for (const version of [undefined, 'v1beta']) {
      const response = await genai(version).models.embedContent({
        model: 'gemini-embedding-001',
        contents: 'What is the meaning of life?',
        config: { outputDimensionality: 256, taskType: 'RETRIEVAL_QUERY' },
      });
      assert.equal(response.embeddings?.length, 1);
      const values = response.embeddings?.[0]?.values ?? [];
      assert.equal(values.length, 256);
      assert.ok(Math.abs(norm(values) - 1) < 1e-5);
      const tokens = countTokens('What is the meaning of life?');
      assert.equal(response.usageMetadata?.promptTokenCount, tokens);
      await newRows(1, 'gemini-embedding-001', tokens);
      const upstream = gateway.simulator.attempts.at(-1);
      assert.ok(upstream?.path.endsWith('/models/gemini-embedding-001:batchEmbedContents'));
      assert.deepEqual(upstream?.body, {
        requests: [
          {
            model: 'models/gemini-embedding-001',
            content: { role: 'user', parts: [{ text: 'What is the meaning of life?' }] },
            taskType: 'RETRIEVAL_QUERY',
            outputDimensionality: 256,
          },
        ],
      });
    }
  });

  test('several contents with a title for RETRIEVAL_DOCUMENT: one vector each, in order', async () => {
    const texts = [
      'Portico bills every token once.',
      'Holds are settled at the reported usage.',
      'Ünïcode ✓',
    ];
    const response = await genai().models.embedContent({
      model: 'gemini-embedding-001',
      contents: texts,
      config: { taskType: 'RETRIEVAL_DOCUMENT', title: 'Portico notes', outputDimensionality: 128 },
    });
    assert.equal(response.embeddings?.length, 3);
    for (const embedding of response.embeddings ?? []) assert.equal(embedding.values?.length, 128);
    // The title is part of what each request embeds (and bills).
    const tokens = texts.reduce((sum, text) => sum + countTokens(`Portico notes\n${text}`), 0);
    assert.equal(response.usageMetadata?.promptTokenCount, tokens);
    await newRows(1, 'gemini-embedding-001', tokens);
    const sent = gateway.simulator.attempts.at(-1)?.body as { requests: Array<Record<string, unknown>> };
    assert.equal(sent.requests.length, 3);
    assert.equal(sent.requests[2]?.title, 'Portico notes');
    // The same text gets the same vector, alone or in a batch.
    const alone = await genai().models.embedContent({
      model: 'gemini-embedding-001',
      contents: texts[1] as string,
      config: { taskType: 'RETRIEVAL_DOCUMENT', title: 'Portico notes', outputDimensionality: 128 },
    });
    assert.deepEqual(alone.embeddings?.[0]?.values, response.embeddings?.[1]?.values);
    await newRows(1, 'gemini-embedding-001', countTokens(`Portico notes\n${texts[1]}`));
  });

  test('an OpenAI-compatible embedding model behind the Gemini door (translated)', async () => {
    const response = await genai().models.embedContent({
      model: 'sim-embed',
      contents: ['first text', 'second text'],
      config: { outputDimensionality: 64 },
    });
    assert.equal(response.embeddings?.length, 2);
    assert.equal(response.embeddings?.[0]?.values?.length, 64);
    await newRows(1, 'sim-embed', countTokens('first text') + countTokens('second text'));
    assert.deepEqual(gateway.simulator.attempts.at(-1)?.body, {
      model: 'text-embedding-3-small',
      input: ['first text', 'second text'],
      encoding_format: 'float',
      dimensions: 64,
    });
    // A task type has no OpenAI field: refused by name, not dropped.
    await assert.rejects(
      genai().models.embedContent({
        model: 'sim-embed',
        contents: 'a query',
        config: { taskType: 'RETRIEVAL_QUERY' },
      }),
      (error: unknown) =>
        error instanceof ApiError && error.status === 400 && /requests\[0\]\.taskType/.test(error.message),
    );
    const failed = (await rows()).slice(seen);
    seen += failed.length;
    assert.equal(failed.length, 1, 'the refused attempt is one unbilled row');
    assert.equal(failed[0]?.cost_micros, 0);
  });

  test('a key allowed only gemini-3.5-flash gets PERMISSION_DENIED for gemini-embedding-001', async () => {
    const limited = await gateway.account(5, { models: ['gemini-3.5-flash'] });
    await assert.rejects(
      genai(undefined, limited.key).models.embedContent({ model: 'gemini-embedding-001', contents: 'hi' }),
      (error: unknown) =>
        error instanceof ApiError && error.status === 403 && /PERMISSION_DENIED/.test(error.message),
    );
    assert.equal((await rows(limited.accountId)).length, 0);
  });
});

async function wire(
  path: string,
  body: unknown,
  headers: Record<string, string> = { 'x-goog-api-key': key },
) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe(':embedContent and :batchEmbedContents on the wire', () => {
  test(':embedContent answers {embedding: {values}} with usageMetadata; ?key= works too', async () => {
    const text = 'snake_case fields are read as Google reads them';
    const { status, body } = await wire(
      `/v1beta/models/gemini-embedding-001:embedContent?key=${key}`,
      { content: { parts: [{ text }] }, task_type: 'SEMANTIC_SIMILARITY', output_dimensionality: 128 },
      {},
    );
    assert.equal(status, 200);
    assert.equal(body.embedding.values.length, 128);
    assert.deepEqual(body.usageMetadata, {
      promptTokenCount: countTokens(text),
      promptTokenDetails: [{ modality: 'TEXT', tokenCount: countTokens(text) }],
    });
    await newRows(1, 'gemini-embedding-001', countTokens(text));
    const upstream = gateway.simulator.attempts.at(-1);
    assert.ok(upstream?.path.endsWith(':embedContent'));
    assert.deepEqual(upstream?.body, {
      content: { role: 'user', parts: [{ text }] },
      taskType: 'SEMANTIC_SIMILARITY',
      outputDimensionality: 128,
    });
  });

  test('more than 100 inputs reach Gemini as batches of at most 100, answered as one', async () => {
    const requests = Array.from({ length: 150 }, (_, index) => ({
      model: 'models/gemini-embedding-001',
      content: { parts: [{ text: `text number ${index}` }] },
      outputDimensionality: 128,
    }));
    const before = gateway.simulator.attempts.length;
    const { status, body } = await wire('/v1/models/gemini-embedding-001:batchEmbedContents', { requests });
    assert.equal(status, 200);
    assert.equal(body.embeddings.length, 150);
    const calls = gateway.simulator.attempts.slice(before);
    assert.deepEqual(
      calls.map((call) => (call.body as { requests: unknown[] }).requests.length),
      [100, 50],
    );
    const tokens = requests.reduce((sum, request) => sum + countTokens(request.content.parts[0]!.text), 0);
    assert.equal(body.usageMetadata.promptTokenCount, tokens);
    const fresh = (await rows()).slice(seen);
    seen += fresh.length;
    assert.equal(fresh.length, 1, 'one attempt, one row');
    assert.equal(fresh[0]?.prompt_tokens, tokens);
    assert.equal(fresh[0]?.cost_micros, cost(tokens, PRICES['gemini-embedding-001']));
  });

  test("refusals in Google's shape, naming the field", async () => {
    const cases: Array<[string, unknown, string]> = [
      [
        ':embedContent',
        { content: { parts: [{ inlineData: { mimeType: 'image/png', data: 'AA==' } }] } },
        'content.parts[0].inlineData',
      ],
      [':embedContent', { content: { parts: [{ text: 'a' }] }, taskType: 'GUESS' }, 'taskType'],
      [':embedContent', { content: { parts: [{ text: 'a' }] }, model: 'models/gemini-3.5-flash' }, 'model'],
      [':embedContent', { content: { parts: [{ text: 'a' }] }, autoTruncate: true }, 'autoTruncate'],
      [':embedContent', { content: { parts: [{ text: '' }] } }, 'content.parts'],
      [':embedContent', {}, 'content'],
      [
        ':batchEmbedContents',
        {
          requests: [
            {
              model: 'models/gemini-embedding-001',
              content: { parts: [{ text: 'a' }] },
              outputDimensionality: 128,
            },
            {
              model: 'models/gemini-embedding-001',
              content: { parts: [{ text: 'b' }] },
              outputDimensionality: 256,
            },
          ],
        },
        'requests[1].outputDimensionality',
      ],
      [
        ':batchEmbedContents',
        { requests: [{ model: 'models/other-model', content: { parts: [{ text: 'a' }] } }] },
        'requests[0].model',
      ],
      [':batchEmbedContents', { requests: [] }, 'requests'],
    ];
    for (const [method, body, param] of cases) {
      const response = await wire(`/v1beta/models/gemini-embedding-001${method}`, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.error.status, 'INVALID_ARGUMENT');
      assert.equal(response.body.error.details[0].metadata.param, param, JSON.stringify(body));
    }
    // A chat model cannot embed; an unknown model is Google's 404.
    const chat = await wire('/v1beta/models/gemini-3.5-flash:embedContent', {
      content: { parts: [{ text: 'a' }] },
    });
    assert.equal(chat.status, 400);
    assert.equal(chat.body.error.details[0].metadata.param, 'model');
    const unknown = await wire('/v1beta/models/no-such-model:embedContent', {
      content: { parts: [{ text: 'a' }] },
    });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.status, 'NOT_FOUND');
    assert.equal((await rows()).length, seen, 'refused requests write no ledger rows');
  });
});
