/**
 * The Gemini-native door on the wire (plain HTTP, as curl or any Google client sends it): what native
 * passthrough keeps that translation loses, Google's error shape for every refusal, the URL's model as
 * the only model, `?key=` never in a log line, the JSON-array stream, and a stream that fails upstream.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

let gateway: Gateway;
let key: string;
let accountId: string;

before(async () => {
  gateway = await startGateway({
    models: {
      'gemini-3.5-flash': {
        deployments: [{ provider: 'google', model: 'gemini-3.5-flash' }],
        pricing: { input: 0.3, output: 2.5 },
        max_output_tokens: 8192,
      },
      'sim-openai': {
        deployments: [{ provider: 'local', model: 'sim-openai-upstream' }],
        pricing: { input: 1, output: 2 },
        max_output_tokens: 4096,
      },
    },
  });
  ({ key, accountId } = await gateway.account(20));
});
after(async () => gateway.close());

function post(path: string, body: unknown, headers: Record<string, string> = { 'x-goog-api-key': key }) {
  return fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

interface GoogleError {
  error: { code: number; message: string; status: string; details: Array<Record<string, any>> };
}

async function googleError(response: Response, status: number, grpc: string): Promise<GoogleError> {
  assert.equal(response.status, status);
  const body = (await response.json()) as GoogleError;
  assert.equal(body.error.code, status);
  assert.equal(body.error.status, grpc);
  assert.equal(typeof body.error.message, 'string');
  return body;
}

const SCHEMA = {
  type: 'OBJECT',
  properties: { city: { type: 'STRING' }, celsius: { type: 'NUMBER', nullable: true } },
  required: ['city'],
  propertyOrdering: ['city', 'celsius'],
};

describe('native passthrough keeps what translation loses', () => {
  test('the request reaches the Gemini upstream as the client wrote it (schema, safety, snake_case)', async () => {
    const body = {
      contents: [{ role: 'user', parts: [{ text: 'Weather as JSON' }] }],
      safety_settings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }],
      generation_config: {
        response_mime_type: 'application/json',
        responseSchema: SCHEMA,
        max_output_tokens: 300,
        temperature: 0.1,
      },
    };
    const response = await post('/v1beta/models/gemini-3.5-flash:generateContent', body);
    assert.equal(response.status, 200);
    const sent = gateway.simulator.attempts.at(-1)?.body as Record<string, any>;
    assert.deepEqual(sent.safetySettings, body.safety_settings);
    // Google's own Schema form, upper-case types, nullable and propertyOrdering, byte for byte.
    assert.deepEqual(sent.generationConfig.responseSchema, SCHEMA);
    assert.equal(sent.generationConfig.responseMimeType, 'application/json');
    assert.equal(sent.generationConfig.maxOutputTokens, 300, 'the held cap');
    assert.equal(sent.generationConfig.max_output_tokens, undefined, 'one spelling only');
    const answer = (await response.json()) as Record<string, any>;
    assert.equal(typeof JSON.parse(answer.candidates[0].content.parts[0].text).city, 'string');

    // The same request translated for an OpenAI-compatible upstream: a JSON Schema. Gemini's safety
    // settings cannot be honoured there, so they are refused rather than dropped; without them it goes.
    const refused = await post('/v1beta/models/sim-openai:generateContent', body);
    assert.equal(refused.status, 400);
    await refused.text();
    const { safety_settings: _safety, ...portable } = body;
    assert.equal((await post('/v1beta/models/sim-openai:generateContent', portable)).status, 200);
    const translated = gateway.simulator.attempts.at(-1)?.body as Record<string, any>;
    assert.deepEqual(translated.response_format.json_schema.schema.properties.celsius, {
      type: ['number', 'null'],
    });
  });

  test("the upstream's answer reaches the client whole: usageMetadata details, modelVersion, signatures", async () => {
    const body = { contents: [{ parts: [{ text: 'Hello there [[sim:tokens=12]]' }] }] };
    const response = await post('/v1beta/models/gemini-3.5-flash:generateContent', body);
    const text = await response.text();
    const answer = JSON.parse(text) as Record<string, any>;
    // What the simulator (Google's shape) sends and the canonical form has no place for:
    assert.deepEqual(answer.usageMetadata.promptTokensDetails, [
      { modality: 'TEXT', tokenCount: answer.usageMetadata.promptTokenCount },
    ]);
    assert.equal(answer.modelVersion, 'gemini-3.5-flash');
    assert.ok(answer.candidates[0].content.parts[0].thoughtSignature, 'a signature on a text part');
    // Byte for byte: the gateway's body is the upstream's JSON text as serialized by the upstream.
    const attempt = gateway.simulator.attempts.at(-1);
    const direct = await fetch(`${gateway.simulator.url}/v1beta/models/gemini-3.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(attempt?.body),
    });
    const upstream = (await direct.json()) as Record<string, any>;
    assert.equal(JSON.stringify(answer.usageMetadata), JSON.stringify(upstream.usageMetadata));
    assert.equal(answer.candidates[0].content.parts[0].text, upstream.candidates[0].content.parts[0].text);

    const translated = (await (await post('/v1beta/models/sim-openai:generateContent', body)).json()) as any;
    assert.equal(translated.usageMetadata.promptTokensDetails, undefined, 'translation has no such detail');
  });

  test('each upstream SSE chunk is written as it came, the last with usage; the ledger matches', async () => {
    const body = { contents: [{ parts: [{ text: 'Stream please [[sim:chunks=3]]' }] }] };
    const response = await post('/v1beta/models/gemini-3.5-flash:streamGenerateContent?alt=sse', body);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const raw = await response.text();
    const events = raw.split('\r\n\r\n').filter((frame) => frame.startsWith('data: '));
    assert.ok(events.length >= 3, raw);
    const chunks = events.map((frame) => JSON.parse(frame.slice(6)) as Record<string, any>);
    const last = chunks.at(-1);
    assert.equal(last?.candidates[0].finishReason, 'STOP');
    assert.ok(
      chunks.every((chunk) => chunk.usageMetadata?.promptTokensDetails),
      'every chunk keeps usage',
    );
    const usage = await gateway.admin('GET', `/admin/usage?account_id=${accountId}&limit=1`);
    const row = usage.body.data[0];
    assert.equal(row.door, 'gemini-native');
    assert.equal(row.prompt_tokens, last?.usageMetadata.promptTokenCount);
    assert.equal(row.total_tokens, last?.usageMetadata.totalTokenCount);
  });

  test('streamGenerateContent without alt=sse answers a JSON array', async () => {
    for (const model of ['gemini-3.5-flash', 'sim-openai']) {
      const response = await post(`/v1/models/${model}:streamGenerateContent`, {
        contents: [{ parts: [{ text: 'Array please' }] }],
      });
      assert.equal(response.status, 200);
      const array = (await response.json()) as Array<Record<string, any>>;
      assert.ok(Array.isArray(array) && array.length === 1);
      assert.equal(array[0]?.candidates[0].finishReason, 'STOP');
      assert.ok(array[0]?.usageMetadata.totalTokenCount > 0);
    }
  });

  test('a stream that fails upstream ends with a Google error event', async () => {
    const body = { contents: [{ parts: [{ text: 'Break [[sim:chunks=4;error_event_after=2]]' }] }] };
    for (const model of ['gemini-3.5-flash', 'sim-openai']) {
      const raw = await (await post(`/v1beta/models/${model}:streamGenerateContent?alt=sse`, body)).text();
      const last =
        raw
          .split('\r\n\r\n')
          .filter((frame) => frame.startsWith('data: '))
          .at(-1) ?? '';
      const event = JSON.parse(last.slice(6)) as GoogleError;
      assert.ok(event.error, `${model}: ${raw}`);
      assert.equal(typeof event.error.status, 'string');
      assert.ok(event.error.code >= 500);
    }
  });
});

describe('refusals in Google’s shape', () => {
  const generate = '/v1beta/models/gemini-3.5-flash:generateContent';
  const contents = [{ parts: [{ text: 'hi' }] }];

  test('a body naming another model than the URL is a 400 (one model per request)', async () => {
    const body = await googleError(
      await post(generate, { model: 'models/sim-openai', contents }),
      400,
      'INVALID_ARGUMENT',
    );
    assert.equal(body.error.details[0]?.metadata.param, 'model');
    // The same model, in either spelling, is fine.
    assert.equal((await post(generate, { model: 'models/gemini-3.5-flash', contents })).status, 200);
  });

  test('a field Portico cannot honour is a 400 naming it', async () => {
    const cases: Array<[unknown, string]> = [
      [
        { contents, generationConfig: { imageConfig: { aspectRatio: '16:9' } } },
        'generationConfig.imageConfig',
      ],
      [{ contents, labels: { team: 'x' } }, 'labels'],
      [{ contents, unknownField: 1 }, 'unknownField'],
      [{ contents, generationConfig: { topP: 1, top_p: 1 } }, 'generationConfig.top_p'],
      [{ contents: [{ role: 'tool', parts: [{ text: 'x' }] }] }, 'contents[0].role'],
      [
        { contents: [{ parts: [{ functionResponse: { name: 'nope', response: {} } }] }] },
        'contents[0].parts[0].functionResponse.name',
      ],
      [{ contents, generationConfig: { temperature: 3 } }, 'generationConfig.temperature'],
    ];
    const upstreamCalls = gateway.simulator.attempts.length;
    for (const [request, param] of cases) {
      const body = await googleError(await post(generate, request), 400, 'INVALID_ARGUMENT');
      assert.equal(body.error.details[0]?.metadata.param, param, JSON.stringify(body));
      assert.match(body.error.message, new RegExp(param.replace(/[.[\]]/g, '\\$&')));
    }
    assert.equal(gateway.simulator.attempts.length, upstreamCalls, 'no refused request went upstream');
  });

  test('no key, bad JSON, an unknown method, an unknown model', async () => {
    await googleError(await post(generate, { contents }, {}), 401, 'UNAUTHENTICATED');
    await googleError(await post(generate, '{"contents": ['), 400, 'INVALID_ARGUMENT');
    await googleError(
      await post('/v1beta/models/gemini-3.5-flash:predictLongRunning', { contents }),
      404,
      'NOT_FOUND',
    );
    const missing = await googleError(
      await post('/v1beta/models/gemini-9-ultra:generateContent', { contents }),
      404,
      'NOT_FOUND',
    );
    assert.equal(typeof missing.error.details[0]?.metadata.fallback_suggestion, 'string');
  });

  test('an account without credits gets RESOURCE_EXHAUSTED', async () => {
    const poor = await gateway.account(0);
    await googleError(
      await post(generate, { contents }, { 'x-goog-api-key': poor.key }),
      402,
      'RESOURCE_EXHAUSTED',
    );
  });
});

describe('limits and idempotency on this door', () => {
  test('a key over its RPM gets RESOURCE_EXHAUSTED with Retry-After', async () => {
    const limited = await gateway.account(5, { rpm: 1 });
    const headers = { 'x-goog-api-key': limited.key };
    const body = { contents: [{ parts: [{ text: 'once' }] }] };
    assert.equal((await post('/v1beta/models/gemini-3.5-flash:generateContent', body, headers)).status, 200);
    const refused = await post('/v1beta/models/gemini-3.5-flash:generateContent', body, headers);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    await googleError(refused, 429, 'RESOURCE_EXHAUSTED');
  });

  test('an Idempotency-Key replays a passthrough stream byte for byte and bills once', async () => {
    const account = await gateway.account(5);
    const headers = { 'x-goog-api-key': account.key, 'idempotency-key': 'gemini-stream-1' };
    const body = { contents: [{ parts: [{ text: 'replay me [[sim:chunks=3]]' }] }] };
    const path = '/v1beta/models/gemini-3.5-flash:streamGenerateContent?alt=sse';
    const first = await (await post(path, body, headers)).text();
    const second = await post(path, body, headers);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.equal(await second.text(), first);
    const rows = (await gateway.admin('GET', `/admin/usage?account_id=${account.accountId}`)).body.data;
    assert.equal(rows.length, 1);
  });
});

describe('upstream resources on passthrough', () => {
  test('a cachedContent or a Files API file not granted to the account is a 403, before any upstream call', async () => {
    const calls = gateway.simulator.attempts.length;
    const cached = await googleError(
      await post('/v1beta/models/gemini-3.5-flash:generateContent', {
        contents: [{ parts: [{ text: 'hi' }] }],
        cachedContent: 'cachedContents/someone-elses',
      }),
      403,
      'PERMISSION_DENIED',
    );
    assert.match(cached.error.message, /cached content/);
    for (const fileUri of ['files/abc123', 'gs://operator-bucket/private.pdf']) {
      await googleError(
        await post('/v1beta/models/gemini-3.5-flash:generateContent', {
          contents: [
            { parts: [{ text: 'read this' }, { fileData: { mimeType: 'application/pdf', fileUri } }] },
          ],
        }),
        403,
        'PERMISSION_DENIED',
      );
    }
    assert.equal(gateway.simulator.attempts.length, calls);
  });
});

describe('keys in the URL', () => {
  test('?key= authenticates and never appears in a log line, also when the upstream fails', async () => {
    const secret = (await gateway.account(5)).key;
    const ok = await post(
      `/v1beta/models/gemini-3.5-flash:generateContent?key=${secret}`,
      {
        contents: [{ parts: [{ text: 'hi' }] }],
      },
      {},
    );
    assert.equal(ok.status, 200);
    const failed = await post(
      `/v1beta/models/gemini-3.5-flash:generateContent?key=${secret}`,
      {
        contents: [{ parts: [{ text: 'fail [[sim:status=500]]' }] }],
      },
      {},
    );
    assert.ok(failed.status >= 500);
    await googleError(
      await post(`/v1/models/gemini-3.5-flash:countTokens?key=${secret}x`, { contents: [] }, {}),
      401,
      'UNAUTHENTICATED',
    );
    const logs = gateway.logs.join('');
    assert.ok(logs.includes('upstream attempt failed'), 'the failure was logged');
    assert.ok(!logs.includes(secret), 'the key is in no log line');
    assert.ok(!logs.includes('key='), 'no URL with its query is logged');
  });
});
