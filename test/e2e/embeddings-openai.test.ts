/**
 * `POST /v1/embeddings` with the real clients: the `openai` SDK (`embeddings.create` with its default,
 * which asks base64 and decodes it, with `float`, and with `base64` kept) and LangChain's
 * `OpenAIEmbeddings`, against the simulator through the gateway. `gemini-embedding-001` (the built-in
 * catalogue) goes to the Gemini upstream, `sim-embed` to the OpenAI-compatible one. After each call the
 * ledger is checked: one row per upstream attempt, door `embeddings`, the simulator's input tokens,
 * no output, the cost at the model's embedding price.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { OpenAIEmbeddings } from '@langchain/openai';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { countTokens } from '../../src/simulator/index.ts';

/** USD per 1M input tokens: Google's price for gemini-embedding-001, OpenAI's for text-embedding-3-small. */
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
        capabilities: { embedding: true },
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
  stream: boolean;
}

async function rows(account = accountId): Promise<Row[]> {
  const usage = await gateway.admin('GET', `/admin/usage?account_id=${account}&limit=1000`);
  return ([...usage.body.data] as Row[]).reverse();
}

/** Micro-USD for `tokens` input tokens at `price` USD per 1M, rounded up once. */
function cost(tokens: number, price: number): number {
  return Math.ceil(Math.round(tokens * price * 10_000) / 10_000);
}

/** The rows since the last call: one per attempt, door `embeddings`, exact tokens and cost. */
async function newRows(expected: number, model: ModelName, tokens: number): Promise<Row[]> {
  const all = await rows();
  const fresh = all.slice(seen);
  seen = all.length;
  assert.equal(fresh.length, expected, `ledger rows: ${JSON.stringify(fresh)}`);
  for (const row of fresh) {
    assert.equal(row.door, 'embeddings');
    assert.equal(row.model, model);
    assert.equal(row.terminal_state, 'ok');
    assert.equal(row.stream, false);
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

function tokensOf(texts: readonly string[]): number {
  return texts.reduce((sum, text) => sum + countTokens(text), 0);
}

function norm(values: ArrayLike<number>): number {
  let sum = 0;
  for (let index = 0; index < values.length; index++) sum += (values[index] as number) ** 2;
  return Math.sqrt(sum);
}

function decodeBase64(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  return Array.from({ length: bytes.length / 4 }, (_, index) => bytes.readFloatLE(index * 4));
}

/** An SDK client whose fetch keeps the last request body and response text seen on the wire. */
function client(apiKey = key): { openai: OpenAI; wire: { sent?: any; received?: any } } {
  const wire: { sent?: any; received?: any } = {};
  const openai = new OpenAI({
    apiKey,
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    fetch: async (url: string | URL | Request, init?: RequestInit) => {
      wire.sent = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      const response = await fetch(url, init);
      wire.received = JSON.parse(await response.clone().text());
      return response;
    },
  });
  return { openai, wire };
}

const TEXTS = ['The quick brown fox jumps.', 'Vectors for retrieval', 'naïve café — ünïcode'];

describe('openai embeddings.create', () => {
  for (const model of ['sim-embed', 'gemini-embedding-001'] as const) {
    test(`${model}: the SDK's default (base64 on the wire, decoded by the SDK), float, and base64 agree`, async () => {
      const { openai, wire } = client();
      const dimensions = 128;
      const byDefault = await openai.embeddings.create({ model, input: TEXTS, dimensions });
      assert.equal(wire.sent.encoding_format, 'base64', 'the SDK asks base64 by default');
      assert.equal(typeof wire.received.data[0].embedding, 'string', 'Portico answered base64');
      assert.equal(byDefault.object, 'list');
      assert.equal(byDefault.model, model);
      assert.equal(byDefault.data.length, TEXTS.length);
      byDefault.data.forEach((item, index) => {
        assert.equal(item.object, 'embedding');
        assert.equal(item.index, index);
        assert.equal(item.embedding.length, dimensions);
        assert.ok(Math.abs(norm(item.embedding) - 1) < 1e-5, 'a unit vector');
      });
      assert.equal(byDefault.usage.prompt_tokens, tokensOf(TEXTS));
      assert.equal(byDefault.usage.total_tokens, tokensOf(TEXTS));
      await newRows(1, model, tokensOf(TEXTS));
      // Portico asked the upstream for floats and encoded base64 itself.
      const upstream = gateway.simulator.attempts.at(-1);
      if (model === 'sim-embed') {
        assert.deepEqual(upstream?.body, {
          model: 'text-embedding-3-small',
          input: TEXTS,
          encoding_format: 'float',
          dimensions,
        });
      } else {
        assert.ok(upstream?.path.endsWith('/models/gemini-embedding-001:batchEmbedContents'));
      }

      const asFloat = await openai.embeddings.create({
        model,
        input: TEXTS,
        dimensions,
        encoding_format: 'float',
      });
      assert.ok(Array.isArray(wire.received.data[0].embedding));
      await newRows(1, model, tokensOf(TEXTS));
      const asBase64 = await openai.embeddings.create({
        model,
        input: TEXTS,
        dimensions,
        encoding_format: 'base64',
      });
      await newRows(1, model, tokensOf(TEXTS));
      TEXTS.forEach((_, index) => {
        const float = asFloat.data[index]?.embedding as number[];
        const decoded = decodeBase64(asBase64.data[index]?.embedding as unknown as string);
        const sdkDecoded = byDefault.data[index]?.embedding as number[];
        assert.equal(decoded.length, dimensions);
        for (let at = 0; at < dimensions; at++) {
          // float32 keeps about 7 significant digits.
          assert.ok(Math.abs((float[at] as number) - (decoded[at] as number)) < 1e-7);
          assert.equal(sdkDecoded[at], decoded[at]);
        }
      });
    });
  }

  test('one string in, one embedding out; the same text always gets the same vector', async () => {
    const { openai } = client();
    const first = await openai.embeddings.create({
      model: 'gemini-embedding-001',
      input: 'What is the meaning of life?',
      encoding_format: 'float',
      user: 'user-42',
    });
    assert.equal(first.data.length, 1);
    assert.equal(first.data[0]?.embedding.length, 3072, "gemini-embedding-001's default size");
    const upstream = gateway.simulator.attempts.at(-1);
    assert.ok(upstream?.path.endsWith(':embedContent'), 'one input goes to :embedContent');
    await newRows(1, 'gemini-embedding-001', countTokens('What is the meaning of life?'));
    const again = await openai.embeddings.create({
      model: 'gemini-embedding-001',
      input: ['What is the meaning of life?'],
      encoding_format: 'float',
    });
    assert.deepEqual(again.data[0]?.embedding, first.data[0]?.embedding);
    await newRows(1, 'gemini-embedding-001', countTokens('What is the meaning of life?'));
  });

  test('Idempotency-Key: the retry replays the vectors and is billed once', async () => {
    const { openai } = client();
    const options = { headers: { 'Idempotency-Key': 'embed-once-1' } };
    const body = { model: 'sim-embed', input: ['replay me'], encoding_format: 'float' as const };
    const first = await openai.embeddings.create(body, options);
    const replay = await openai.embeddings.create(body, options).withResponse();
    assert.equal(replay.response.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(replay.data.data, first.data);
    await newRows(1, 'sim-embed', countTokens('replay me'));
  });
});

describe("LangChain's OpenAIEmbeddings", () => {
  test('embedDocuments and embedQuery through the gateway', async () => {
    const embeddings = new OpenAIEmbeddings({
      model: 'sim-embed',
      apiKey: key,
      dimensions: 32,
      configuration: { baseURL: `${gateway.url}/v1` },
      maxRetries: 0,
    });
    const documents = ['Portico is a gateway.', 'Embeddings are billed per input token.'];
    const vectors = await embeddings.embedDocuments(documents);
    assert.equal(vectors.length, 2);
    for (const vector of vectors) {
      assert.equal(vector.length, 32);
      assert.ok(Math.abs(norm(vector) - 1) < 1e-5);
    }
    await newRows(1, 'sim-embed', tokensOf(documents));
    const query = await embeddings.embedQuery('Which gateway bills per token?');
    assert.equal(query.length, 32);
    await newRows(1, 'sim-embed', countTokens('Which gateway bills per token?'));
    // LangChain's own batches still reach the upstream in order, one vector per text.
    const again = await embeddings.embedDocuments([documents[1] as string, documents[0] as string]);
    assert.deepEqual(again, [vectors[1], vectors[0]]);
    await newRows(1, 'sim-embed', tokensOf(documents));
  });
});

describe('money and refusals', () => {
  test('an upstream that reports no usage: the estimate is billed and flagged', async () => {
    const { openai } = client();
    const text = 'estimate me please [[sim:no_usage]]';
    await openai.embeddings.create({ model: 'sim-embed', input: text, encoding_format: 'float' });
    const [row] = (await rows()).slice(seen);
    seen += 1;
    assert.equal(row?.usage_estimated, true);
    // The one estimator: about four characters a token, plus the message markup (4 characters).
    assert.equal(row?.prompt_tokens, Math.ceil((text.length + 4) / 4));
    assert.equal(row?.cost_micros, cost(row?.prompt_tokens ?? 0, PRICES['sim-embed']));
  });

  test('a failed upstream attempt is one ledger row, unbilled', async () => {
    const { openai } = client();
    await assert.rejects(
      openai.embeddings.create({ model: 'sim-embed', input: 'fail [[sim:status=400]]' }),
      (error: unknown) => error instanceof OpenAI.APIError && error.status === 400,
    );
    const fresh = (await rows()).slice(seen);
    seen += fresh.length;
    assert.equal(fresh.length, 1);
    assert.equal(fresh[0]?.door, 'embeddings');
    assert.equal(fresh[0]?.terminal_state, 'upstream_error');
    assert.equal(fresh[0]?.cost_micros, 0);
  });

  test('the hold covers the input bytes at the embedding price: too little credit is a 402', async () => {
    const poor = await gateway.account(0.000001);
    const { openai } = client(poor.key);
    // 2,000 bytes at $0.15 per 1M tokens: a hold of 300 micro-USD, more than the 1 the account has.
    await assert.rejects(
      openai.embeddings.create({ model: 'gemini-embedding-001', input: 'x'.repeat(2000) }),
      (error: unknown) => error instanceof OpenAI.APIError && error.status === 402,
    );
    // A short text fits: 4 bytes hold 1 micro-USD (0.6 rounded up).
    const small = await openai.embeddings.create({ model: 'gemini-embedding-001', input: 'tiny' });
    assert.equal(small.data.length, 1);
    const [row] = await rows(poor.accountId);
    assert.equal(row?.cost_micros, cost(countTokens('tiny'), PRICES['gemini-embedding-001']));
  });

  test('rate limits count the input bytes, with no output estimate', async () => {
    const limited = await gateway.account(5, { tpm: 100 });
    const { openai } = client(limited.key);
    // 150 bytes cannot fit a 100-token minute.
    await assert.rejects(
      openai.embeddings.create({ model: 'sim-embed', input: 'x'.repeat(150) }),
      (error: unknown) => error instanceof OpenAI.RateLimitError,
    );
    // 90 bytes fit (a chat request with this prompt would also count its output allowance).
    const answer = await openai.embeddings.create({ model: 'sim-embed', input: 'x'.repeat(90) });
    assert.equal(answer.usage.prompt_tokens, countTokens('x'.repeat(90)));
    const [row] = await rows(limited.accountId);
    assert.equal(row?.door, 'embeddings');
    assert.equal(row?.prompt_tokens, countTokens('x'.repeat(90)));
  });

  test('a key allowed only gemini-3.5-flash gets 403 for gemini-embedding-001', async () => {
    const limited = await gateway.account(5, { models: ['gemini-3.5-flash'] });
    const { openai } = client(limited.key);
    await assert.rejects(
      openai.embeddings.create({ model: 'gemini-embedding-001', input: 'hello' }),
      (error: unknown) =>
        error instanceof OpenAI.PermissionDeniedError &&
        (error.error as { type?: string; param?: string }).type === 'permission_error' &&
        (error.error as { param?: string }).param === 'model',
    );
    const listed = await client(limited.key).openai.models.list();
    assert.deepEqual(
      listed.data.map((model) => model.id),
      ['gemini-3.5-flash'],
    );
    const all = await client().openai.models.list();
    assert.ok(all.data.some((model) => model.id === 'gemini-embedding-001'));
    assert.equal((await rows(limited.accountId)).length, 0);
  });

  test('a chat model is refused for embeddings, and an embedding model for chat (400 naming model)', async () => {
    const { openai } = client();
    await assert.rejects(
      openai.embeddings.create({ model: 'gemini-3.5-flash', input: 'hello' }),
      (error: unknown) =>
        error instanceof OpenAI.BadRequestError &&
        (error.error as { param?: string }).param === 'model' &&
        /chat model/.test(error.message) &&
        // The closest embedding model the key may use.
        (error.error as { fallback_suggestion?: string }).fallback_suggestion === 'gemini-embedding-001',
    );
    await assert.rejects(
      openai.chat.completions.create({
        model: 'gemini-embedding-001',
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error: unknown) =>
        error instanceof OpenAI.BadRequestError &&
        (error.error as { param?: string }).param === 'model' &&
        /embedding model/.test(error.message) &&
        typeof (error.error as { fallback_suggestion?: string }).fallback_suggestion === 'string' &&
        !/embed/.test((error.error as { fallback_suggestion: string }).fallback_suggestion),
    );
  });

  test('what cannot be honoured is a 400 naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ model: 'sim-embed', input: [1, 2, 3] }, 'input'],
      [{ model: 'sim-embed', input: [[1, 2], [3]] }, 'input'],
      [{ model: 'sim-embed', input: [] }, 'input'],
      [{ model: 'sim-embed', input: '' }, 'input'],
      [{ model: 'sim-embed' }, 'input'],
      [{ model: 'sim-embed', input: 'a', dimensions: 0 }, 'dimensions'],
      [{ model: 'sim-embed', input: 'a', encoding_format: 'int8' }, 'encoding_format'],
      [{ model: 'sim-embed', input: 'a', truncate: true }, 'truncate'],
    ];
    for (const [body, param] of cases) {
      const response = await fetch(`${gateway.url}/v1/embeddings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 400, JSON.stringify(body));
      const error = ((await response.json()) as { error: Record<string, unknown> }).error;
      assert.equal(error.type, 'invalid_request_error');
      assert.equal(error.param, param, JSON.stringify(body));
      assert.equal(response.headers.get('x-should-retry'), 'false');
    }
    assert.equal((await rows()).length, seen, 'refused requests write no ledger rows');
  });
});
