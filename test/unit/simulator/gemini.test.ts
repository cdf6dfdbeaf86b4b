/**
 * The Gemini side of the simulator over real HTTP, checked against the structure of recorded responses
 * (test/fixtures/gemini).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { countTokens } from '../../../src/simulator/index.ts';
import { geminiFixtureText } from '../../helpers/fixtures.ts';
import { geminiContents, post, sseJson, withSimulator } from './helpers.ts';

const sim = withSimulator({ requireKey: 'gemini-test-key' });
before(sim.start);
after(sim.stop);

const KEY = { 'x-goog-api-key': 'gemini-test-key' };
const generate = (model: string, body: unknown, headers: Record<string, string> = {}) =>
  post(sim.get(), `/v1beta/models/${model}:generateContent`, body, { ...KEY, ...headers });
const streamGenerate = (model: string, body: unknown, headers: Record<string, string> = {}) =>
  post(sim.get(), `/v1beta/models/${model}:streamGenerateContent?alt=sse`, body, { ...KEY, ...headers });

/** Keys and value types, recursively; arrays by their first element. `serviceTier` is Google-only. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return [value.length > 0 ? shape(value[0]) : 'empty'];
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .filter((key) => key !== 'serviceTier')
        .sort()
        .map((key) => [key, shape((value as Record<string, unknown>)[key])]),
    );
  }
  return typeof value;
}

test('generateContent has the recorded structure (text-basic), and usage matches the text', async () => {
  const reply = await generate('gemini-2.5-flash', {
    contents: geminiContents('Hello!'),
    systemInstruction: { parts: [{ text: 'You are a chatbot.' }] },
    generationConfig: { thinkingConfig: { thinkingBudget: 34 } },
  });
  assert.equal(reply.status, 200);
  const body = reply.json;
  assert.deepEqual(shape(body), shape(JSON.parse(geminiFixtureText('text-basic.response.json'))));
  assert.deepEqual(
    Object.keys(body),
    ['candidates', 'usageMetadata', 'modelVersion', 'responseId'],
    'wire order',
  );
  const usage = body.usageMetadata;
  const text = body.candidates[0].content.parts[0].text;
  assert.equal(usage.candidatesTokenCount, countTokens(text));
  assert.equal(usage.thoughtsTokenCount, 34);
  assert.equal(usage.promptTokenCount, countTokens('Hello!') + countTokens('You are a chatbot.'));
  assert.equal(
    usage.totalTokenCount,
    usage.promptTokenCount + usage.candidatesTokenCount + usage.thoughtsTokenCount,
  );
  assert.deepEqual(usage.promptTokensDetails, [{ modality: 'TEXT', tokenCount: usage.promptTokenCount }]);
  assert.equal(body.modelVersion, 'gemini-2.5-flash');
  assert.equal(body.candidates[0].finishReason, 'STOP');
  assert.equal(body.candidates[0].content.parts[0].thoughtSignature, undefined, 'no signature on 2.5 text');
});

test('streamGenerateContent?alt=sse: recorded structure, CRLF framing, no [DONE], cumulative usage', async () => {
  const reply = await streamGenerate(
    'gemini-2.5-flash',
    {
      contents: geminiContents('Count to thirty'),
      generationConfig: { thinkingConfig: { thinkingBudget: 35 } },
    },
    { 'x-sim-chunks': '4' },
  );
  assert.equal(reply.status, 200);
  assert.match(reply.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.ok(reply.text.endsWith('}\r\n\r\n'));
  assert.ok(!reply.text.includes('[DONE]'));
  const chunks = sseJson(reply.text);
  assert.equal(chunks.length, 4);
  const recordedChunks = sseJson(geminiFixtureText('stream-text.sse'));
  assert.deepEqual(shape(chunks[0]), shape(recordedChunks[0]));
  assert.deepEqual(shape(chunks.at(-1)), shape(recordedChunks.at(-1)));
  let text = '';
  let previous = 0;
  chunks.forEach((chunk, index) => {
    assert.equal(chunk.responseId, chunks[0].responseId);
    assert.equal(chunk.modelVersion, 'gemini-2.5-flash');
    assert.equal(
      'finishReason' in chunk.candidates[0],
      index === chunks.length - 1,
      'finishReason only last',
    );
    text += chunk.candidates[0].content.parts[0].text;
    const usage = chunk.usageMetadata;
    assert.equal(usage.candidatesTokenCount, countTokens(text), 'cumulative, equal to the text so far');
    assert.ok(usage.candidatesTokenCount > previous);
    previous = usage.candidatesTokenCount;
    assert.equal(usage.thoughtsTokenCount, 35, 'hidden thoughts are billed from the first chunk');
    assert.equal(usage.totalTokenCount, usage.promptTokenCount + usage.candidatesTokenCount + 35);
  });
  assert.equal(previous, 30);
  const attempt = sim.get().attempts.at(-1);
  assert.equal(attempt?.completionTokens, 30 + 35);
  assert.equal(attempt?.reasoningTokens, 35);
  assert.equal(attempt?.chunksSent, 4);
  assert.equal(attempt?.status, 200);
  assert.equal(attempt?.stream, true);
  assert.equal(attempt?.usageReported, true);
});

test('includeThoughts: thought parts come first; thinking counts inside maxOutputTokens', async () => {
  const reply = await streamGenerate('gemini-2.5-pro', {
    contents: geminiContents('How do I cross the street?'),
    generationConfig: {
      maxOutputTokens: 40,
      thinkingConfig: { includeThoughts: true, thinkingLevel: 'medium' },
    },
  });
  const chunks = sseJson(reply.text);
  assert.equal(chunks[0].candidates[0].content.parts[0].thought, true);
  assert.equal(chunks[0].usageMetadata.thoughtsTokenCount, 32);
  assert.equal(chunks[0].usageMetadata.candidatesTokenCount, undefined, 'no candidates yet');
  for (const chunk of chunks.slice(1)) assert.equal(chunk.candidates[0].content.parts[0].thought, undefined);
  const last = chunks.at(-1);
  assert.equal(last.usageMetadata.candidatesTokenCount + last.usageMetadata.thoughtsTokenCount, 40);
  assert.equal(last.candidates[0].finishReason, 'MAX_TOKENS');

  const empty = await generate('gemini-2.5-pro', {
    contents: geminiContents('x'),
    generationConfig: { maxOutputTokens: 5, thinkingConfig: { thinkingBudget: 1024 } },
  });
  assert.deepEqual(
    shape(empty.json),
    shape(JSON.parse(geminiFixtureText('max-tokens-thinking-empty.response.json'))),
  );
  assert.deepEqual(empty.json.candidates[0].content, { role: 'model' });
  assert.equal(empty.json.candidates[0].finishReason, 'MAX_TOKENS');
  assert.equal(empty.json.usageMetadata.thoughtsTokenCount, 5);
});

test('Gemini 3: a thoughtSignature on the last text part; a replayed call without one is a 400', async () => {
  const reply = await streamGenerate(
    'gemini-3.5-flash',
    { contents: geminiContents('hi') },
    { 'x-sim-chunks': '3' },
  );
  const chunks = sseJson(reply.text);
  assert.equal(chunks.length, 3);
  assert.equal(typeof chunks[2].candidates[0].content.parts[0].thoughtSignature, 'string');
  assert.equal(chunks[0].candidates[0].content.parts[0].thoughtSignature, undefined);

  const replay = (part: Record<string, unknown>) =>
    generate('gemini-3.5-flash', {
      contents: [
        { role: 'user', parts: [{ text: 'weather?' }] },
        { role: 'model', parts: [part] },
        {
          role: 'user',
          parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 21 } } }],
        },
      ],
    });
  const missing = await replay({ functionCall: { name: 'get_weather', args: {} } });
  assert.equal(missing.status, 400);
  assert.equal(missing.json.error.status, 'INVALID_ARGUMENT');
  const signed = await replay({ functionCall: { name: 'get_weather', args: {} }, thoughtSignature: 'c2ln' });
  assert.equal(signed.status, 200);
  assert.equal(
    typeof signed.json.candidates[0].content.parts[0].text,
    'string',
    'a function result gets text',
  );
});

test('function call: functionCall part with a signature, STOP and the recorded finishMessage', async () => {
  const body = {
    contents: geminiContents('What is the weather in Paris?'),
    tools: [
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            parametersJsonSchema: {
              type: 'object',
              properties: { city: { type: 'string' } },
              required: ['city'],
            },
          },
          { name: 'other' },
        ],
      },
    ],
  };
  const reply = await generate('gemini-2.5-pro', {
    ...body,
    generationConfig: { thinkingConfig: { thinkingBudget: -1 } },
  });
  const recorded = geminiFixtureText('function-call.response.json');
  const withoutArgs = (response: any) => {
    const copy = structuredClone(response);
    delete copy.candidates[0].content.parts[0].functionCall.args;
    return shape(copy);
  };
  assert.deepEqual(withoutArgs(reply.json), withoutArgs(JSON.parse(recorded)));
  const candidate = reply.json.candidates[0];
  assert.deepEqual(candidate.content.parts[0].functionCall, {
    name: 'get_weather',
    args: { city: 'sample' },
  });
  assert.equal(typeof candidate.content.parts[0].thoughtSignature, 'string');
  assert.equal(candidate.finishReason, 'STOP');
  assert.equal(candidate.finishMessage, 'Model generated function call(s).');

  const streamed = await streamGenerate('gemini-2.5-pro', body);
  const chunks = sseJson(streamed.text);
  assert.equal(chunks.length, 2);
  assert.ok(chunks[0].candidates[0].content.parts[0].functionCall);
  assert.deepEqual(chunks[1].candidates[0].content.parts, [{ text: '' }]);
  assert.equal(chunks[1].candidates[0].finishReason, 'STOP');
});

test('candidateCount, media parts by modality, cachedContent adds cached tokens to the prompt', async () => {
  const reply = await generate(
    'gemini-2.5-flash',
    {
      contents: [
        {
          role: 'user',
          parts: [{ text: 'what is it' }, { inlineData: { mimeType: 'image/jpeg', data: 'AAAA' } }],
        },
      ],
      generationConfig: { candidateCount: 2, maxOutputTokens: 9 },
      cachedContent: 'cachedContents/abc',
    },
    { 'x-sim-cached-tokens': '3512' },
  );
  const body = reply.json;
  assert.equal(body.candidates.length, 2);
  assert.deepEqual(
    body.candidates.map((candidate: any) => candidate.index),
    [0, 1],
  );
  const usage = body.usageMetadata;
  assert.equal(usage.candidatesTokenCount, 18);
  assert.equal(usage.cachedContentTokenCount, 3512);
  assert.equal(usage.promptTokenCount, 3 + 258 + 3512);
  assert.deepEqual(usage.promptTokensDetails, [
    { modality: 'TEXT', tokenCount: 3 + 3512 },
    { modality: 'IMAGE', tokenCount: 258 },
  ]);
  assert.deepEqual(usage.cacheTokensDetails, [{ modality: 'TEXT', tokenCount: 3512 }]);
});

test('keys: missing -> 403 PERMISSION_DENIED, wrong -> 400 API_KEY_INVALID exactly as recorded', async () => {
  const missing = await post(sim.get(), '/v1beta/models/gemini-2.5-flash:generateContent', {
    contents: geminiContents('x'),
  });
  assert.equal(missing.status, 403);
  assert.equal(missing.json.error.status, 'PERMISSION_DENIED');
  const wrong = await post(
    sim.get(),
    '/models/gemini-2.5-flash:generateContent',
    { contents: geminiContents('x') },
    { 'x-goog-api-key': 'nope' },
  );
  assert.equal(wrong.status, 400);
  assert.deepEqual(wrong.json, JSON.parse(geminiFixtureText('error-400-api-key-invalid.response.json')));
  assert.equal(wrong.json.error.details[0].reason, 'API_KEY_INVALID');
  const bearer = await post(
    sim.get(),
    '/v1beta/models/gemini-2.5-flash:generateContent',
    { contents: geminiContents('x') },
    { authorization: 'Bearer gemini-test-key' },
  );
  assert.equal(bearer.status, 200);
  const openai = await post(sim.get(), '/v1/chat/completions', {
    model: 'm',
    messages: [{ role: 'user', content: 'x' }],
  });
  assert.equal(openai.status, 401);
  assert.equal(openai.json.error.code, 'invalid_api_key');
});

test('bad input: invalid JSON and missing contents are 400 INVALID_ARGUMENT', async () => {
  for (const body of ['{"contents": [', JSON.stringify({ contents: [] })]) {
    const reply = await generate('gemini-2.5-flash', body);
    assert.equal(reply.status, 400);
    assert.equal(reply.json.error.code, 400);
    assert.equal(reply.json.error.status, 'INVALID_ARGUMENT');
  }
});

test('without alt=sse the stream is one JSON array of the same chunks', async () => {
  const reply = await post(
    sim.get(),
    '/v1beta/models/gemini-2.5-flash:streamGenerateContent',
    { contents: geminiContents('x') },
    KEY,
  );
  assert.equal(reply.status, 200);
  assert.ok(Array.isArray(reply.json));
  assert.equal(reply.json.at(-1).candidates[0].finishReason, 'STOP');
});

test('functionCallingConfig: NONE forbids a call, ANY with allowedFunctionNames forces that one', async () => {
  const tools = [{ functionDeclarations: [{ name: 'get_weather' }, { name: 'get_time' }] }];
  const none = await generate('gemini-2.5-flash', {
    contents: geminiContents('weather?'),
    tools,
    toolConfig: { functionCallingConfig: { mode: 'NONE' } },
  });
  assert.equal(typeof none.json.candidates[0].content.parts[0].text, 'string');
  const forced = await generate('gemini-2.5-flash', {
    contents: geminiContents('hello'),
    tools,
    toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } },
  });
  assert.deepEqual(forced.json.candidates[0].content.parts[0].functionCall, { name: 'get_time', args: {} });
});
