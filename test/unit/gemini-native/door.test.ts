/**
 * The Gemini-native door's codec without HTTP: decoding Google's request into the canonical one (and
 * back through the Gemini provider's own converter, so the two stay inverse), Google's Schema to JSON
 * Schema, the translated SSE encoder's assembly of tool-call fragments, and the status names.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGenerateRequest } from '../../../src/doors/gemini-native/decode.ts';
import { googleStatus } from '../../../src/doors/gemini-native/errors.ts';
import { googleSchemaToJsonSchema } from '../../../src/doors/gemini-native/schema.ts';
import { GeminiStreamEncoder } from '../../../src/doors/gemini-native/stream.ts';
import { encodeCompleted } from '../../../src/doors/gemini-native/encode.ts';
import { encodeToolCallId } from '../../../src/providers/gemini/tool-call-id.ts';
import { nativeBody } from '../../../src/doors/gemini-native/codec.ts';
import { convertRequest } from '../../../src/providers/gemini/convert-request.ts';
import { decodeThoughtSignature } from '../../../src/providers/gemini/tool-call-id.ts';
import type { RequestContext } from '../../../src/pipeline/context.ts';
import type { Served } from '../../../src/pipeline/exchange/types.ts';
import { emptyTokenCounts } from '../../../src/openai/response.ts';

const SIGNATURE = Buffer.from('a thought signature').toString('base64');

const CONVERSATION = {
  systemInstruction: { parts: [{ text: 'Be brief.' }] },
  contents: [
    {
      role: 'user',
      parts: [
        { text: 'Look at this' },
        { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
        { fileData: { mimeType: 'application/pdf', fileUri: 'files/abc123' } },
        { fileData: { fileUri: 'https://www.youtube.com/watch?v=xyz' } },
      ],
    },
    {
      role: 'model',
      parts: [
        { text: 'thinking...', thought: true },
        { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE },
      ],
    },
    { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { celsius: 21 } } }] },
  ],
  tools: [
    { functionDeclarations: [{ name: 'get_weather', parameters: { type: 'OBJECT', properties: {} } }] },
  ],
  toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
  generationConfig: { thinkingConfig: { thinkingBudget: 512, includeThoughts: true }, candidateCount: 2 },
};

describe('decoding a GenerateContentRequest', () => {
  test('contents, system, tools and config become the canonical request', () => {
    const request = decodeGenerateRequest(CONVERSATION, 'models/gemini-2.5-flash', false);
    assert.equal(request.model, 'gemini-2.5-flash');
    assert.deepEqual(request.messages[0], { role: 'system', content: 'Be brief.' });
    assert.deepEqual(request.messages[1], {
      role: 'user',
      content: [
        { type: 'text', text: 'Look at this' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'file', file: { file_id: 'files/abc123' } },
        { type: 'image_url', image_url: { url: 'https://www.youtube.com/watch?v=xyz' } },
      ],
    });
    const assistant = request.messages[2];
    assert.equal(assistant?.role, 'assistant');
    const call = assistant?.role === 'assistant' ? assistant.tool_calls?.[0] : undefined;
    assert.equal(assistant?.role === 'assistant' ? assistant.reasoning_content : '', 'thinking...');
    assert.equal(decodeThoughtSignature(call?.id ?? ''), SIGNATURE, 'the signature rides in the id');
    assert.deepEqual(request.messages[3], {
      role: 'tool',
      tool_call_id: call?.id,
      content: '{"celsius":21}',
    });
    assert.deepEqual(request.tool_choice, { type: 'function', function: { name: 'get_weather' } });
    assert.deepEqual(request.google?.thinking_config, { thinking_budget: 512, include_thoughts: true });
    assert.equal(request.n, 2);
  });

  test('the Gemini provider turns the canonical request back into the same conversation', async () => {
    const request = decodeGenerateRequest(CONVERSATION, 'gemini-2.5-flash', false);
    const gemini = await convertRequest(
      {
        request,
        upstreamModel: 'gemini-2.5-flash',
        traits: { thinking: 'budget' },
        maxOutputTokens: 1000,
        signal: new AbortController().signal,
        requestId: 'req_test',
      },
      { fetchMedia: () => Promise.reject(new Error('no downloads in this test')) },
    );
    assert.deepEqual(gemini.systemInstruction, CONVERSATION.systemInstruction);
    assert.deepEqual(gemini.contents[1], {
      role: 'model',
      parts: [
        { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE },
      ],
    });
    assert.deepEqual(gemini.contents[2], CONVERSATION.contents[2]);
    assert.deepEqual(gemini.generationConfig?.thinkingConfig, { thinkingBudget: 512, includeThoughts: true });
    assert.deepEqual(gemini.toolConfig, CONVERSATION.toolConfig);
  });

  test('a functionResponse answers the call with its id, else the earliest unanswered of its name', () => {
    const request = decodeGenerateRequest(
      {
        contents: [
          { role: 'user', parts: [{ text: 'two cities' }] },
          {
            role: 'model',
            parts: [
              { functionCall: { id: 'a', name: 'f', args: {} } },
              { functionCall: { id: 'b', name: 'f', args: {} } },
            ],
          },
          {
            role: 'user',
            parts: [
              { functionResponse: { id: 'b', name: 'f', response: { n: 2 } } },
              { functionResponse: { name: 'f', response: { n: 1 } } },
            ],
          },
        ],
      },
      'gemini-2.5-flash',
      false,
    );
    const assistant = request.messages[1];
    const ids = assistant?.role === 'assistant' ? (assistant.tool_calls ?? []).map((call) => call.id) : [];
    const tools = request.messages.slice(2).map((message) => (message.role === 'tool' ? message : undefined));
    assert.equal(tools[0]?.tool_call_id, ids[1]);
    assert.equal(tools[1]?.tool_call_id, ids[0]);
  });

  test('snake_case spellings are read; a field spelled both ways is refused', () => {
    const request = decodeGenerateRequest(
      { contents: [{ parts: [{ text: 'hi' }] }], generation_config: { max_output_tokens: 5, top_k: 3 } },
      'm',
      true,
    );
    assert.equal(request.max_completion_tokens, 5);
    assert.equal(request.top_k, 3);
    assert.equal(request.stream, true);
    assert.throws(
      () =>
        decodeGenerateRequest({ contents: [], system_instruction: 'a', systemInstruction: 'b' }, 'm', false),
      (error: Error & { param?: string }) => error.param === 'systemInstruction',
    );
  });

  test('nativeBody puts the top level and generationConfig in camelCase for the provider', () => {
    const native = nativeBody({ generation_config: { max_output_tokens: 5 }, safety_settings: [] });
    assert.deepEqual(native, {
      dialect: 'gemini',
      body: { generationConfig: { maxOutputTokens: 5 }, safetySettings: [] },
    });
  });
});

test("Google's Schema becomes JSON Schema", () => {
  assert.deepEqual(
    googleSchemaToJsonSchema(
      {
        type: 'OBJECT',
        properties: {
          tags: { type: 'ARRAY', items: { type: 'STRING', enum: ['a', 'b'] }, maxItems: '3' },
          note: { type: 'STRING', nullable: true },
        },
        required: ['tags'],
      },
      'schema',
    ),
    {
      type: 'object',
      properties: {
        tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, maxItems: 3 },
        note: { type: ['string', 'null'] },
      },
      required: ['tags'],
    },
  );
  assert.throws(() => googleSchemaToJsonSchema({ type: 'OBJECT', $ref: '#/x' }, 'schema'), /\$ref/);
});

describe('the translated SSE encoder', () => {
  const served = { responseModel: 'sim-openai' } as Served;
  const context = { requestId: 'req_abc' } as RequestContext;

  test('tool-call fragments become one whole functionCall; the finishing chunk carries usage', () => {
    const encoder = new GeminiStreamEncoder(context);
    assert.equal(encoder.start(served), '');
    const text = encoder.choices([
      { index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null },
    ]);
    assert.equal(
      text,
      'data: {"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"},"index":0}],"modelVersion":"sim-openai","responseId":"abc"}\r\n\r\n',
    );
    const fragments = [
      { index: 0, id: 'call_1', type: 'function' as const, function: { name: 'f', arguments: '{"ci' } },
      { index: 0, function: { arguments: 'ty":"Paris"}' } },
    ];
    assert.equal(
      encoder.choices([{ index: 0, delta: { tool_calls: [fragments[0]!] }, finish_reason: null }]),
      '',
    );
    assert.equal(
      encoder.choices([{ index: 0, delta: { tool_calls: [fragments[1]!] }, finish_reason: 'tool_calls' }]),
      '',
    );
    const counts = { ...emptyTokenCounts(), prompt: 7, completion: 5, total: 12 };
    const last = JSON.parse(encoder.finish({ counts, usageEstimated: false, costMicros: 3 }).slice(6));
    assert.deepEqual(last.candidates, [
      {
        content: { parts: [{ functionCall: { name: 'f', args: { city: 'Paris' } } }], role: 'model' },
        finishReason: 'STOP',
        index: 0,
      },
    ]);
    assert.deepEqual(last.usageMetadata, {
      promptTokenCount: 7,
      candidatesTokenCount: 5,
      totalTokenCount: 12,
    });
  });

  test('a native chunk is written as it came, and nothing is added at the end', () => {
    const encoder = new GeminiStreamEncoder(context);
    encoder.start(served);
    const native = {
      candidates: [{ content: { parts: [{ text: 'x' }] } }],
      usageMetadata: { totalTokenCount: 1 },
    };
    assert.equal(encoder.choices([], native), `data: ${JSON.stringify(native)}\r\n\r\n`);
    assert.equal(encoder.finish({ counts: emptyTokenCounts(), usageEstimated: false, costMicros: 0 }), '');
  });
});

test('a translated JSON answer: thoughts, text, a signed call, the finish reason and usage', () => {
  const context = { requestId: 'req_xyz' } as RequestContext;
  const body = encodeCompleted(context, {
    served: { responseModel: 'sim-openai' } as Served,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'Checking.',
          reasoning_content: 'The user wants weather.',
          tool_calls: [
            {
              id: encodeToolCallId(SIGNATURE),
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        finish_reason: 'tool_calls',
      },
      { index: 1, message: { role: 'assistant', content: 'Cut' }, finish_reason: 'length' },
    ],
    counts: { ...emptyTokenCounts(), prompt: 10, cachedPrompt: 4, completion: 9, reasoning: 3, total: 19 },
    usageEstimated: false,
    costMicros: 5,
  });
  assert.deepEqual(JSON.parse(body), {
    candidates: [
      {
        content: {
          parts: [
            { text: 'The user wants weather.', thought: true },
            { text: 'Checking.' },
            { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE },
          ],
          role: 'model',
        },
        finishReason: 'STOP',
        index: 0,
      },
      { content: { parts: [{ text: 'Cut' }], role: 'model' }, finishReason: 'MAX_TOKENS', index: 1 },
    ],
    usageMetadata: {
      promptTokenCount: 10,
      candidatesTokenCount: 6,
      totalTokenCount: 19,
      cachedContentTokenCount: 4,
      thoughtsTokenCount: 3,
    },
    modelVersion: 'sim-openai',
    responseId: 'xyz',
  });
});

test('HTTP statuses get their Google status names', () => {
  assert.equal(googleStatus(400), 'INVALID_ARGUMENT');
  assert.equal(googleStatus(401), 'UNAUTHENTICATED');
  assert.equal(googleStatus(403), 'PERMISSION_DENIED');
  assert.equal(googleStatus(404), 'NOT_FOUND');
  assert.equal(googleStatus(429), 'RESOURCE_EXHAUSTED');
  assert.equal(googleStatus(503), 'UNAVAILABLE');
  assert.equal(googleStatus(500), 'INTERNAL');
});
