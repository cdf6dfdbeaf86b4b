/**
 * The outgoing request for the Gemini features of issue 13, pinned with explicit expectations: built-in
 * tools (three spellings, mixing rules), service tier, Anthropic-style thinking, output modalities and
 * speech, media and `$`-keyed JSON in tool results; and the audio part on the way back.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatCompletionRequest } from '../../../src/openai/request.ts';
import { requestsGrounding } from '../../../src/providers/gemini/builtin-tools.ts';
import { convertRequest } from '../../../src/providers/gemini/convert-request.ts';
import { convertResponse } from '../../../src/providers/gemini/convert-response.ts';
import type { GeminiRequest } from '../../../src/providers/gemini/gemini-types.ts';
import type { MediaFetcher } from '../../../src/providers/gemini/guarded-fetch.ts';
import type { ModelTraits } from '../../../src/providers/provider.ts';
import { UpstreamError } from '../../../src/providers/shared/upstream-error.ts';
import { providerInput } from './helpers.ts';

const fetchMedia: MediaFetcher = async () => ({ mimeType: 'image/png', data: Buffer.from('png') });

function convert(
  request: Partial<ChatCompletionRequest>,
  options: { model?: string; traits?: ModelTraits; maxOutputTokens?: number } = {},
): Promise<GeminiRequest> {
  return convertRequest(providerInput(request, options), { fetchMedia });
}

function badRequest(param: string, pattern?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof UpstreamError, String(error));
    assert.equal(error.clientError.status, 400);
    assert.equal(error.clientError.param, param);
    if (pattern) assert.match(error.clientError.message, pattern);
    return true;
  };
}

const FLASH_3: ModelTraits = { thinking: 'level', thinkingLevels: ['minimal', 'low', 'medium', 'high'] };
const FLASH_25: ModelTraits = { thinking: 'budget', minThinkingBudget: 0 };
const weather = { type: 'function' as const, function: { name: 'weather', parameters: { type: 'object' } } };

describe('built-in tools', () => {
  test('web_search_options, typed tools and google.tools each become one Tool object per kind', async () => {
    const body = await convert({
      web_search_options: {},
      tools: [
        { type: 'google_search' },
        { type: 'url_context' },
        { type: 'google_maps', google_maps: { enableWidget: true } },
      ],
      google: { tools: [{ codeExecution: {} }, { googleSearch: {} }] },
    });
    assert.deepEqual(body.tools, [
      { googleSearch: {} },
      { urlContext: {} },
      { googleMaps: { enableWidget: true } },
      { codeExecution: {} },
    ]);
    assert.equal(body.toolConfig, undefined, 'no function-calling config without function declarations');
  });

  test('with function tools: refused on Gemini 2.x, circulated on Gemini 3', async () => {
    await assert.rejects(
      convert({ tools: [weather, { type: 'google_search' }], tool_choice: 'auto' }, { traits: FLASH_25 }),
      badRequest('tools', /cannot be combined/),
    );
    const body = await convert(
      { tools: [weather, { type: 'google_search' }], tool_choice: 'auto' },
      { model: 'gemini-3-flash', traits: FLASH_3 },
    );
    assert.deepEqual(body.tools, [{ functionDeclarations: [{ name: 'weather' }] }, { googleSearch: {} }]);
    assert.deepEqual(body.toolConfig, {
      functionCallingConfig: { mode: 'AUTO' },
      includeServerSideToolInvocations: true,
    });
  });

  test('malformed google.tools are 400s naming google.tools', async () => {
    for (const tools of [
      'x',
      [{ functionDeclarations: [] }],
      [{ googleSearch: {}, urlContext: {} }],
      [{ googleSearch: 1 }],
    ]) {
      await assert.rejects(convert({ google: { tools } }), badRequest('google.tools'));
    }
  });

  test('a model without built-in tools refuses them by name', async () => {
    await assert.rejects(
      convert({ web_search_options: {} }, { model: 'gemini-2.5-flash-image' }),
      badRequest('web_search_options', /no Google Search/),
    );
    await assert.rejects(
      convert({ google: { tools: [{ urlContext: {} }] } }, { model: 'gemini-2.5-flash-preview-tts' }),
      badRequest('google.tools', /no url_context/),
    );
  });
});

describe('service tier, top_k and Anthropic thinking', () => {
  test('service_tier default/flex/priority map to Gemini, auto sends nothing', async () => {
    assert.equal((await convert({ service_tier: 'default' })).serviceTier, 'standard');
    assert.equal((await convert({ service_tier: 'flex' })).serviceTier, 'flex');
    assert.equal((await convert({ service_tier: 'priority' })).serviceTier, 'priority');
    assert.equal((await convert({ service_tier: 'auto' })).serviceTier, undefined);
  });

  const cases: Array<[string, ChatCompletionRequest['thinking'], ModelTraits, object | undefined]> = [
    [
      'enabled on 2.5',
      { type: 'enabled', budget_tokens: 2000 },
      FLASH_25,
      { includeThoughts: true, thinkingBudget: 2000 },
    ],
    [
      'enabled on Flash-Lite below its floor',
      { type: 'enabled', budget_tokens: 100 },
      { ...FLASH_25, minActiveThinkingBudget: 512 },
      { includeThoughts: true, thinkingBudget: 512 },
    ],
    [
      'enabled on Gemini 3',
      { type: 'enabled', budget_tokens: 5000 },
      FLASH_3,
      { includeThoughts: true, thinkingLevel: 'medium' },
    ],
    ['adaptive on 2.5', { type: 'adaptive' }, FLASH_25, { includeThoughts: true, thinkingBudget: -1 }],
    ['disabled on 2.5', { type: 'disabled' }, FLASH_25, { includeThoughts: false, thinkingBudget: 0 }],
    [
      'disabled on Gemini 3',
      { type: 'disabled' },
      FLASH_3,
      { includeThoughts: false, thinkingLevel: 'minimal' },
    ],
  ];
  for (const [label, thinking, traits, expected] of cases) {
    test(`thinking ${label}`, async () => {
      const body = await convert({ thinking }, { traits });
      assert.deepEqual(body.generationConfig?.thinkingConfig, expected);
    });
  }

  test('reasoning_effort and thinking together are a 400', async () => {
    await assert.rejects(
      convert(
        { reasoning_effort: 'low', thinking: { type: 'enabled', budget_tokens: 10 } },
        { traits: FLASH_25 },
      ),
      badRequest('thinking', /not both/),
    );
  });
});

describe('output modalities and speech', () => {
  test('image model: modalities become responseModalities', async () => {
    const body = await convert({ modalities: ['text', 'image'] }, { model: 'gemini-2.5-flash-image' });
    assert.deepEqual(body.generationConfig, { responseModalities: ['TEXT', 'IMAGE'] });
  });

  test('speech model: AUDIO by default, the voice capitalised as Gemini names them', async () => {
    const body = await convert(
      { audio: { voice: 'kore', format: 'pcm16' } },
      { model: 'gemini-2.5-flash-preview-tts' },
    );
    assert.deepEqual(body.generationConfig, {
      responseModalities: ['AUDIO'],
      speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Kore' } } },
    });
    await assert.rejects(
      convert({ audio: { voice: 'kore', format: 'mp3' } }, { model: 'gemini-2.5-flash-preview-tts' }),
      badRequest('audio', /raw PCM/),
    );
  });

  test('OpenAI\'s ["text", "audio"] on a speech model asks for speech', async () => {
    const body = await convert({ modalities: ['text', 'audio'] }, { model: 'gemini-2.5-flash-preview-tts' });
    assert.deepEqual(body.generationConfig, { responseModalities: ['AUDIO'] });
  });

  test('tool_choice demanding a call with no function declared is a 400', async () => {
    await assert.rejects(
      convert({ tools: [{ type: 'google_search' }], tool_choice: 'required' }),
      badRequest('tool_choice', /declares no function/),
    );
  });

  test('an audio part comes back as message.audio; wav wraps the PCM in a WAV header', () => {
    const pcm = Buffer.alloc(480, 1);
    const response = {
      candidates: [
        {
          content: {
            parts: [
              { inlineData: { mimeType: 'audio/L16;codec=pcm;rate=24000', data: pcm.toString('base64') } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
    };
    const raw = convertResponse(response).choices[0]?.message.audio;
    assert.equal(raw?.data, pcm.toString('base64'));
    assert.equal(raw?.mime_type, 'audio/L16;codec=pcm;rate=24000');
    const wav = convertResponse(response, { wav: true }).choices[0]?.message.audio;
    const bytes = Buffer.from(wav?.data ?? '', 'base64');
    assert.equal(wav?.mime_type, 'audio/wav');
    assert.equal(bytes.subarray(0, 4).toString('ascii'), 'RIFF');
    assert.equal(bytes.readUInt32LE(24), 24000);
    assert.equal(bytes.readUInt32LE(40), 480);
    assert.deepEqual(bytes.subarray(44), pcm);
  });
});

describe('tool results', () => {
  const call = { id: 'call_1', type: 'function' as const, function: { name: 'shot', arguments: '{}' } };
  const image = { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBO' } };

  test('Gemini 3: images go inside functionResponse.parts', async () => {
    const body = await convert(
      {
        messages: [
          { role: 'user', content: 'Take a screenshot' },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: 'done' }, image] },
        ],
      },
      { model: 'gemini-3-flash', traits: FLASH_3 },
    );
    assert.deepEqual(body.contents[2], {
      role: 'user',
      parts: [
        {
          functionResponse: {
            name: 'shot',
            response: { content: 'done' },
            parts: [{ inlineData: { mimeType: 'image/png', data: 'iVBO' } }],
          },
        },
      ],
    });
  });

  test('older models: images are sibling parts of the same turn', async () => {
    const body = await convert(
      {
        messages: [
          { role: 'user', content: 'Take a screenshot' },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: 'call_1', content: [image] },
        ],
      },
      { traits: FLASH_25 },
    );
    assert.deepEqual(body.contents[2], {
      role: 'user',
      parts: [
        { functionResponse: { name: 'shot', response: { content: '' } } },
        { inlineData: { mimeType: 'image/png', data: 'iVBO' } },
      ],
    });
  });

  test('JSON results with $ref / $defs keys go as text; others as objects', async () => {
    const schema = JSON.stringify({
      $defs: { a: { type: 'string' } },
      properties: { x: { $ref: '#/$defs/a' } },
    });
    const body = await convert({
      messages: [
        { role: 'user', content: 'Describe' },
        { role: 'assistant', content: null, tool_calls: [call, { ...call, id: 'call_2' }] },
        { role: 'tool', tool_call_id: 'call_1', content: schema },
        { role: 'tool', tool_call_id: 'call_2', content: '{"ok":true}' },
      ],
    });
    assert.deepEqual(body.contents[2]?.parts, [
      { functionResponse: { name: 'shot', response: { content: schema } } },
      { functionResponse: { name: 'shot', response: { ok: true } } },
    ]);
  });
});

describe('requestsGrounding (for holds)', () => {
  test('true for search or maps in any spelling, false otherwise', () => {
    const base = { model: 'm', messages: [{ role: 'user' as const, content: 'Hi' }] };
    assert.equal(requestsGrounding({ ...base, web_search_options: {} }), true);
    assert.equal(requestsGrounding({ ...base, tools: [{ type: 'google_maps' }] }), true);
    assert.equal(requestsGrounding({ ...base, google: { tools: [{ googleSearch: {} }] } }), true);
    assert.equal(
      requestsGrounding({ ...base, tools: [{ type: 'url_context' }, { type: 'code_execution' }] }),
      false,
    );
    assert.equal(requestsGrounding(base), false);
  });
});
