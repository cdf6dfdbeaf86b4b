/**
 * The outgoing Gemini request, pinned feature by feature with explicit expectations.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatCompletionRequest } from '../../../src/openai/request.ts';
import { convertRequest } from '../../../src/providers/gemini/convert-request.ts';
import { SKIP_THOUGHT_SIGNATURE } from '../../../src/providers/gemini/convert-messages.ts';
import type { GeminiRequest } from '../../../src/providers/gemini/gemini-types.ts';
import { MediaFetchError, type MediaFetcher } from '../../../src/providers/gemini/guarded-fetch.ts';
import { encodeToolCallId } from '../../../src/providers/gemini/tool-call-id.ts';
import type { ModelTraits } from '../../../src/providers/provider.ts';
import { UpstreamError } from '../../../src/providers/shared/upstream-error.ts';
import { providerInput } from './helpers.ts';

const fetched: string[] = [];
const fakeFetch: MediaFetcher = async (url) => {
  fetched.push(url);
  if (url.includes('refused')) throw new MediaFetchError('media URL points to a non-public address');
  return { mimeType: 'image/png', data: Buffer.from('png-bytes') };
};

function convert(
  request: Partial<ChatCompletionRequest>,
  options: { model?: string; traits?: ModelTraits; maxOutputTokens?: number } = {},
): Promise<GeminiRequest> {
  return convertRequest(providerInput(request, options), { fetchMedia: fakeFetch });
}

function isBadRequest(param: string, pattern?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof UpstreamError, String(error));
    assert.equal(error.clientError.code, 'invalid_request');
    assert.equal(error.clientError.status, 400);
    assert.equal(error.clientError.param, param);
    if (pattern) assert.match(error.clientError.message, pattern);
    return true;
  };
}

const FLASH_3: ModelTraits = { thinking: 'level', thinkingLevels: ['minimal', 'low', 'medium', 'high'] };
const PRO_3: ModelTraits = { thinking: 'level', thinkingLevels: ['low', 'high'] };
const PRO_31: ModelTraits = { thinking: 'level', thinkingLevels: ['low', 'medium', 'high'] };
const FLASH_25: ModelTraits = { thinking: 'budget', minThinkingBudget: 0 };
const PRO_25: ModelTraits = { thinking: 'budget', minThinkingBudget: 128 };
const FLASH_LITE_25: ModelTraits = { thinking: 'budget', minThinkingBudget: 0, minActiveThinkingBudget: 512 };

describe('messages', () => {
  test('a bare user message is one user turn and nothing else', async () => {
    assert.deepEqual(await convert({ messages: [{ role: 'user', content: 'Hi' }] }), {
      contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
    });
  });

  test('system and developer messages are concatenated in order into systemInstruction', async () => {
    const body = await convert({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        {
          role: 'developer',
          content: [
            { type: 'text', text: 'Use ' },
            { type: 'text', text: 'French.' },
          ],
        },
        { role: 'user', content: 'Again' },
      ],
    });
    assert.deepEqual(body.systemInstruction, { parts: [{ text: 'Be brief.\n\nUse French.' }] });
    // The two user messages are consecutive once the developer message is lifted out: one turn.
    assert.deepEqual(body.contents, [{ role: 'user', parts: [{ text: 'Hi' }, { text: 'Again' }] }]);
  });

  test('tool results merge into one user turn, named from the earlier calls, objects passed through', async () => {
    const body = await convert({
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'forecast', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'sunny' }] },
        { role: 'assistant', content: 'Paris 21, Rome sunny.' },
        { role: 'assistant', content: [{ type: 'text', text: 'Anything else?' }] },
      ],
    });
    assert.deepEqual(body.contents, [
      { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
      {
        role: 'model',
        parts: [
          { text: 'Checking.' },
          { functionCall: { name: 'weather', args: { city: 'Paris' } } },
          { functionCall: { name: 'forecast', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'weather', response: { temp: 21 } } },
          { functionResponse: { name: 'forecast', response: { content: 'sunny' } } },
        ],
      },
      { role: 'model', parts: [{ text: 'Paris 21, Rome sunny.' }, { text: 'Anything else?' }] },
    ]);
  });

  test('a JSON array or scalar tool result is wrapped as {content}', async () => {
    const body = await convert({
      messages: [
        {
          role: 'assistant',
          tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'a', content: '[1,2]' },
      ],
    });
    assert.deepEqual(body.contents[1]?.parts, [
      { functionResponse: { name: 'f', response: { content: '[1,2]' } } },
    ]);
  });

  test('an unknown tool_call_id is a 400 on messages, never a filler name', async () => {
    await assert.rejects(
      convert({
        messages: [
          { role: 'user', content: 'x' },
          { role: 'tool', tool_call_id: 'nope', content: 'r' },
        ],
      }),
      isBadRequest('messages', /tool_call_id "nope"/),
    );
  });

  test('tool-call arguments that are not a JSON object are a 400', async () => {
    await assert.rejects(
      convert({
        messages: [
          {
            role: 'assistant',
            tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '[1]' } }],
          },
        ],
      }),
      isBadRequest('messages', /JSON object/),
    );
  });

  test('OpenAI tool-call ids are never sent as functionCall.id', async () => {
    const body = await convert({
      messages: [
        {
          role: 'assistant',
          tool_calls: [{ id: 'call_x', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
      ],
    });
    assert.doesNotMatch(JSON.stringify(body), /call_x/);
  });
});

describe('thought signatures on replayed calls', () => {
  const signature =
    'CpYEAXLI2nxHJhy3F4oMijlAus2CPUEnTw16KkDpmU77MgVhg6piCF3GycCmKbjhGXQ8mBK5lSpsqwI7DapurrH+NcQ=';

  test('a signature packed into our id goes back on the functionCall part', async () => {
    const body = await convert({
      messages: [
        {
          role: 'assistant',
          tool_calls: [
            { id: encodeToolCallId(signature), type: 'function', function: { name: 'f', arguments: '{}' } },
          ],
        },
      ],
    });
    assert.deepEqual(body.contents[0]?.parts, [
      { functionCall: { name: 'f', args: {} }, thoughtSignature: signature },
    ]);
  });

  test('extra_content.google.thought_signature is accepted too', async () => {
    const body = await convert({
      messages: [
        {
          role: 'assistant',
          tool_calls: [
            {
              id: 'call_plain',
              type: 'function',
              function: { name: 'f', arguments: '{}' },
              extra_content: { google: { thought_signature: 'sig-from-compat' } },
            },
          ],
        },
      ],
    });
    assert.equal(body.contents[0]?.parts[0]?.thoughtSignature, 'sig-from-compat');
  });

  test('Gemini 3: a turn whose first call lost its signature gets the sentinel on that call only', async () => {
    const calls = [
      { id: 'call_a', type: 'function' as const, function: { name: 'f', arguments: '{}' } },
      { id: 'call_b', type: 'function' as const, function: { name: 'g', arguments: '{}' } },
    ];
    const messages: ChatCompletionRequest['messages'] = [
      { role: 'user', content: 'go' },
      { role: 'assistant', tool_calls: calls },
      { role: 'tool', tool_call_id: 'call_a', content: '1' },
      { role: 'tool', tool_call_id: 'call_b', content: '2' },
    ];
    const gemini3 = await convert({ messages }, { model: 'gemini-3-flash', traits: FLASH_3 });
    assert.deepEqual(
      gemini3.contents[1]?.parts.map((part) => part.thoughtSignature),
      [SKIP_THOUGHT_SIGNATURE, undefined],
    );
    const gemini25 = await convert({ messages }, { model: 'gemini-2.5-flash', traits: FLASH_25 });
    assert.deepEqual(
      gemini25.contents[1]?.parts.map((part) => part.thoughtSignature),
      [undefined, undefined],
    );
  });
});

describe('media parts', () => {
  test('data URL, Files API, YouTube, fetched URL, audio, PDF and file_id', async () => {
    fetched.length = 0;
    const body = await convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look:' },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
            {
              type: 'image_url',
              image_url: { url: 'https://generativelanguage.googleapis.com/v1beta/files/abc123' },
            },
            { type: 'image_url', image_url: { url: 'https://www.youtube.com/watch?v=9hE5-98ZeCg' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            { type: 'input_audio', input_audio: { data: 'SUQz', format: 'mp3' } },
            { type: 'input_audio', input_audio: { data: 'UklG', format: 'wav' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0x', filename: 'a.pdf' } },
            {
              type: 'file',
              file: {
                file_id: 'https://generativelanguage.googleapis.com/v1beta/files/doc9',
                filename: 'b.pdf',
              },
            },
          ],
        },
      ],
    });
    assert.deepEqual(body.contents[0]?.parts, [
      { text: 'Look:' },
      { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } },
      { fileData: { fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc123' } },
      { fileData: { mimeType: 'video/mp4', fileUri: 'https://www.youtube.com/watch?v=9hE5-98ZeCg' } },
      { inlineData: { mimeType: 'image/png', data: Buffer.from('png-bytes').toString('base64') } },
      { inlineData: { mimeType: 'audio/mp3', data: 'SUQz' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklG' } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0x' } },
      {
        fileData: {
          mimeType: 'application/pdf',
          fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/doc9',
        },
      },
    ]);
    assert.deepEqual(fetched, ['https://example.com/cat.png']);
  });

  test('a refused media URL is a 400 on messages', async () => {
    await assert.rejects(
      convert({
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://refused.test/x.png' } }] },
        ],
      }),
      isBadRequest('messages', /non-public/),
    );
  });

  test('non-http(s) media URLs are a 400', async () => {
    await assert.rejects(
      convert({
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }] },
        ],
      }),
      isBadRequest('messages'),
    );
  });

  test('image detail becomes mediaResolution on Gemini 3 only', async () => {
    const messages: ChatCompletionRequest['messages'] = [
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'high' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,BBBB', detail: 'low' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,CCCC', detail: 'auto' } },
        ],
      },
    ];
    const gemini3 = await convert({ messages }, { model: 'gemini-3-flash', traits: FLASH_3 });
    assert.deepEqual(
      gemini3.contents[0]?.parts.map((part) => part.mediaResolution),
      [{ level: 'MEDIA_RESOLUTION_HIGH' }, { level: 'MEDIA_RESOLUTION_LOW' }, undefined],
    );
    const gemini25 = await convert({ messages }, { traits: FLASH_25 });
    assert.ok(gemini25.contents[0]?.parts.every((part) => part.mediaResolution === undefined));
  });
});

describe('tools', () => {
  const tools: ChatCompletionRequest['tools'] = [
    {
      type: 'function',
      function: {
        name: 'get_capital',
        description: 'Get the capital of a country.',
        parameters: { type: 'object', properties: { country: { type: 'string' } }, required: ['country'] },
        strict: true,
      },
    },
    {
      type: 'function',
      function: { name: 'now', parameters: { type: 'object', properties: {}, additionalProperties: false } },
    },
    { type: 'function', function: { name: 'ping' } },
  ];

  test('one Tool with every declaration; the schema as parametersJsonSchema; empty schemas and strict dropped', async () => {
    const body = await convert({ tools });
    assert.deepEqual(body.tools, [
      {
        functionDeclarations: [
          {
            name: 'get_capital',
            description: 'Get the capital of a country.',
            parametersJsonSchema: {
              type: 'object',
              properties: { country: { type: 'string' } },
              required: ['country'],
            },
          },
          { name: 'now' },
          { name: 'ping' },
        ],
      },
    ]);
    assert.equal(body.toolConfig, undefined);
  });

  for (const [choice, expected] of [
    ['auto', { mode: 'AUTO' }],
    ['none', { mode: 'NONE' }],
    ['required', { mode: 'ANY' }],
    [
      { type: 'function', function: { name: 'now' } },
      { mode: 'ANY', allowedFunctionNames: ['now'] },
    ],
  ] as const) {
    test(`tool_choice ${JSON.stringify(choice)}`, async () => {
      const body = await convert({ tools, tool_choice: choice });
      assert.deepEqual(body.toolConfig, { functionCallingConfig: expected });
    });
  }
});

describe('generationConfig', () => {
  test('every parameter, with maxOutputTokens from the ProviderRequest, not the request', async () => {
    const body = await convert(
      {
        max_tokens: 10,
        max_completion_tokens: 20,
        temperature: 0.3,
        top_p: 0.9,
        stop: 'END',
        n: 2,
        seed: 7,
        presence_penalty: 0.5,
        frequency_penalty: -0.5,
        logprobs: true,
        top_logprobs: 3,
        top_k: 40,
      },
      // A model that takes penalties (2.0); the 2.5 models refuse them (field-support.test.ts).
      { maxOutputTokens: 1234, model: 'gemini-2.0-flash' },
    );
    assert.deepEqual(body.generationConfig, {
      maxOutputTokens: 1234,
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      stopSequences: ['END'],
      candidateCount: 2,
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      responseLogprobs: true,
      logprobs: 3,
    });
  });

  test('penalties: 0 is the default and is not sent; a model without penalties refuses others', async () => {
    assert.equal((await convert({ presence_penalty: 0, frequency_penalty: 0 })).generationConfig, undefined);
    await assert.rejects(
      convert({ presence_penalty: 0.5 }),
      isBadRequest('presence_penalty', /no penalties/),
    );
  });

  test('stop arrays pass as they are; nulls and logprobs:false send nothing', async () => {
    assert.deepEqual((await convert({ stop: ['a', 'b'] })).generationConfig, { stopSequences: ['a', 'b'] });
    assert.equal(
      (await convert({ temperature: null, logprobs: false, top_logprobs: 2 })).generationConfig,
      undefined,
    );
  });

  test('response_format json_object and json_schema (strict dropped)', async () => {
    const objectBody = await convert({ response_format: { type: 'json_object' } });
    assert.deepEqual(objectBody.generationConfig, { responseMimeType: 'application/json' });
    const schema = { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] };
    const schemaBody = await convert({
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema, strict: true } },
    });
    assert.deepEqual(schemaBody.generationConfig, {
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
    });
    assert.equal((await convert({ response_format: { type: 'text' } })).generationConfig, undefined);
  });
});

describe('reasoning_effort -> thinkingConfig', () => {
  const cases: Array<[string, ModelTraits, string, number | undefined, object]> = [
    // "none" on Gemini 3 (which cannot stop thinking): the lowest level, and no thought text asked for.
    ['3 Flash', FLASH_3, 'none', undefined, { includeThoughts: false, thinkingLevel: 'minimal' }],
    ['3 Flash', FLASH_3, 'minimal', undefined, { includeThoughts: true, thinkingLevel: 'minimal' }],
    ['3 Flash', FLASH_3, 'low', undefined, { includeThoughts: true, thinkingLevel: 'low' }],
    ['3 Flash', FLASH_3, 'medium', undefined, { includeThoughts: true, thinkingLevel: 'medium' }],
    ['3 Flash', FLASH_3, 'high', undefined, { includeThoughts: true, thinkingLevel: 'high' }],
    ['3 Pro', PRO_3, 'none', undefined, { includeThoughts: false, thinkingLevel: 'low' }],
    ['3 Pro', PRO_3, 'medium', undefined, { includeThoughts: true, thinkingLevel: 'high' }],
    ['3.1 Pro', PRO_31, 'minimal', undefined, { includeThoughts: true, thinkingLevel: 'low' }],
    ['3.1 Pro', PRO_31, 'medium', undefined, { includeThoughts: true, thinkingLevel: 'medium' }],
    ['2.5 Flash', FLASH_25, 'none', undefined, { includeThoughts: false, thinkingBudget: 0 }],
    ['2.5 Flash', FLASH_25, 'minimal', undefined, { includeThoughts: true, thinkingBudget: 128 }],
    ['2.5 Flash', FLASH_25, 'low', undefined, { includeThoughts: true, thinkingBudget: 1024 }],
    ['2.5 Flash', FLASH_25, 'medium', undefined, { includeThoughts: true, thinkingBudget: 8192 }],
    ['2.5 Flash', FLASH_25, 'high', undefined, { includeThoughts: true, thinkingBudget: 24576 }],
    ['2.5 Flash', FLASH_25, 'high', 65536, { includeThoughts: true, thinkingBudget: 24576 }],
    ['2.5 Flash', FLASH_25, 'high', 4000, { includeThoughts: true, thinkingBudget: 2000 }],
    ['2.5 Pro', PRO_25, 'none', undefined, { includeThoughts: false, thinkingBudget: 128 }],
    // Flash-Lite's budget range starts at 512 (0 still turns thinking off).
    ['2.5 Flash-Lite', FLASH_LITE_25, 'minimal', undefined, { includeThoughts: true, thinkingBudget: 512 }],
    ['2.5 Flash-Lite', FLASH_LITE_25, 'none', undefined, { includeThoughts: false, thinkingBudget: 0 }],
    ['2.5 Flash-Lite', FLASH_LITE_25, 'low', 600, { includeThoughts: true, thinkingBudget: 512 }],
    ['2.5 Pro', PRO_25, 'minimal', undefined, { includeThoughts: true, thinkingBudget: 128 }],
    ['2.5 Pro', PRO_25, 'medium', 200, { includeThoughts: true, thinkingBudget: 128 }],
  ];
  for (const [label, traits, effort, max, expected] of cases) {
    test(`${label} ${effort}${max ? ` (max ${max})` : ''}`, async () => {
      const body = await convert(
        { reasoning_effort: effort as ChatCompletionRequest['reasoning_effort'] },
        { traits, maxOutputTokens: max },
      );
      assert.deepEqual(body.generationConfig?.thinkingConfig, expected);
    });
  }

  test('no effort: no thinkingConfig; a model without thinking refuses effort (or drops it by switch)', async () => {
    assert.equal((await convert({}, { traits: FLASH_25 })).generationConfig, undefined);
    await assert.rejects(
      convert({ reasoning_effort: 'high' }, { traits: { thinking: 'none' } }),
      isBadRequest('reasoning_effort', /does not think/),
    );
    assert.equal(
      (await convert({ reasoning_effort: 'none' }, { traits: { thinking: 'none' } })).generationConfig,
      undefined,
    );
    assert.equal(
      (
        await convert(
          { reasoning_effort: 'high' },
          { traits: { thinking: 'none', dropUnsupportedParams: true } },
        )
      ).generationConfig,
      undefined,
    );
  });

  test('models missing from the catalogue are recognised by name', async () => {
    const body = await convert({ reasoning_effort: 'none' }, { model: 'gemini-2.5-pro-preview-06-05' });
    assert.deepEqual(body.generationConfig?.thinkingConfig, { includeThoughts: false, thinkingBudget: 128 });
    const lite = await convert({ reasoning_effort: 'minimal' }, { model: 'gemini-2.5-flash-lite' });
    assert.deepEqual(lite.generationConfig?.thinkingConfig, { includeThoughts: true, thinkingBudget: 512 });
    const three = await convert({ reasoning_effort: 'high' }, { model: 'models/gemini-3-pro-preview' });
    assert.deepEqual(three.generationConfig?.thinkingConfig, {
      includeThoughts: true,
      thinkingLevel: 'high',
    });
  });
});

describe('google extras', () => {
  test('safety_settings, thinking_config via extra_body.google', async () => {
    const body = await convert(
      {
        reasoning_effort: 'high',
        extra_body: {
          google: {
            safety_settings: [
              { category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_LOW_AND_ABOVE', extra: 1 },
            ],
            thinking_config: { thinking_budget: 512, include_thoughts: false },
          },
        },
      },
      { traits: FLASH_25 },
    );
    assert.deepEqual(body.safetySettings, [
      { category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_LOW_AND_ABOVE' },
    ]);
    // The explicit config replaces the one reasoning_effort would give.
    assert.deepEqual(body.generationConfig?.thinkingConfig, { thinkingBudget: 512, includeThoughts: false });
  });

  test('top-level google (where the SDK merges extra_body) works the same', async () => {
    const body = await convert(
      { google: { thinking_config: { thinking_level: 'LOW' } } },
      { traits: FLASH_3 },
    );
    assert.deepEqual(body.generationConfig?.thinkingConfig, { thinkingLevel: 'low' });
  });

  test('cached_content: sent with the conversation alone', async () => {
    const body = await convert({
      messages: [{ role: 'user', content: 'Q' }],
      google: { cached_content: 'cachedContents/abc' },
    });
    assert.deepEqual(body, {
      contents: [{ role: 'user', parts: [{ text: 'Q' }] }],
      cachedContent: 'cachedContents/abc',
    });
  });

  test('cached_content with system messages or tools is refused, never silently stripped', async () => {
    for (const extra of [
      {
        messages: [
          { role: 'system' as const, content: 'sys' },
          { role: 'user' as const, content: 'Q' },
        ],
      },
      { tools: [{ type: 'function' as const, function: { name: 'f' } }] },
      { web_search_options: {} },
    ]) {
      await assert.rejects(
        convert({ ...extra, google: { cached_content: 'cachedContents/abc' } }),
        isBadRequest('google.cached_content', /system messages or tools/),
      );
    }
  });

  test('thinking_budget together with thinking_level is a 400', async () => {
    await assert.rejects(
      convert({ google: { thinking_config: { thinking_budget: 10, thinking_level: 'low' } } }),
      isBadRequest('google.thinking_config', /not both/),
    );
  });

  test('malformed extras are 400s', async () => {
    await assert.rejects(
      convert({ google: { safety_settings: 'none' } }),
      isBadRequest('google.safety_settings'),
    );
    await assert.rejects(convert({ google: { cached_content: 5 } }), isBadRequest('google.cached_content'));
    await assert.rejects(
      convert({ google: { thinking_config: { thinking_level: 'max' } } }),
      isBadRequest('google.thinking_config'),
    );
  });
});

test('fields Gemini does not know never reach it', async () => {
  const body = await convert({
    user: 'u-123',
    metadata: { team: 'x' },
    stream: true,
    stream_options: { include_usage: true, include_obfuscation: true },
    parallel_tool_calls: true,
    safety_identifier: 'hash',
    prompt_cache_key: 'k',
    store: false,
    service_tier: 'auto',
    messages: [{ role: 'user', content: 'Hi', name: 'alice' }],
  });
  assert.deepEqual(body, { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] });
});
