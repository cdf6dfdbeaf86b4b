/**
 * Our outgoing body against the bodies recorded in test/fixtures/gemini/*.request.json, compared
 * semantically. The recordings come from the Python SDK, so they differ from ours in ways the API
 * accepted both of (SOURCES.md): snake_case names (`parameters_json_schema`, `include_thoughts`),
 * `systemInstruction.role`, `responseModalities:["TEXT"]`, an empty `generationConfig`, and the SDK's
 * own `functionCall.id`/`functionResponse.id` (we never send ids; ours are OpenAI ids). Portico also
 * omits an empty root parameter schema on purpose, so those are removed from the recorded side.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatCompletionRequest } from '../../../src/openai/request.ts';
import { convertRequest } from '../../../src/providers/gemini/convert-request.ts';
import type { MediaFetcher } from '../../../src/providers/gemini/guarded-fetch.ts';
import { encodeToolCallId } from '../../../src/providers/gemini/tool-call-id.ts';
import { fixtureJson, providerInput } from './helpers.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const RENAMES: Record<string, string> = {
  parameters_json_schema: 'parametersJsonSchema',
  include_thoughts: 'includeThoughts',
  thinking_budget: 'thinkingBudget',
};

function isEmptyObjectSchema(value: Json | undefined): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const properties = value.properties;
  const emptyProperties =
    properties === undefined ||
    (typeof properties === 'object' && properties !== null && Object.keys(properties).length === 0);
  return String(value.type).toLowerCase() === 'object' && emptyProperties;
}

function normalize(value: Json, key = ''): Json | undefined {
  if (Array.isArray(value)) return value.map((item) => normalize(item) as Json);
  if (value === null || typeof value !== 'object') return value;
  const result: { [key: string]: Json } = {};
  for (const [name, child] of Object.entries(value)) {
    const renamed = RENAMES[name] ?? name;
    if (key === 'systemInstruction' && name === 'role') continue;
    if (key === 'generationConfig' && name === 'responseModalities') continue;
    if ((key === 'functionCall' || key === 'functionResponse') && name === 'id') continue;
    if ((renamed === 'parametersJsonSchema' || renamed === 'parameters') && isEmptyObjectSchema(child))
      continue;
    const normalized = normalize(child, renamed);
    if (normalized !== undefined) result[renamed] = normalized;
  }
  if (key === 'generationConfig' && Object.keys(result).length === 0) return undefined;
  return result;
}

const noFetch: MediaFetcher = () => Promise.reject(new Error('no fetch expected'));

async function ours(request: Partial<ChatCompletionRequest>, maxOutputTokens?: number): Promise<Json> {
  const body = await convertRequest(providerInput(request, { maxOutputTokens }), { fetchMedia: noFetch });
  return JSON.parse(JSON.stringify(body)) as Json;
}

function recorded(name: string): Json {
  return normalize(fixtureJson(name) as Json) as Json;
}

const getCapital: NonNullable<ChatCompletionRequest['tools']> = [
  {
    type: 'function',
    function: {
      name: 'get_capital',
      description: 'Get the capital of a country.',
      parameters: {
        additionalProperties: false,
        properties: { country: { description: 'The country name.', type: 'string' } },
        required: ['country'],
        type: 'object',
      },
      strict: true,
    },
  },
];

describe('outgoing bodies match the recorded requests', () => {
  test('text-basic.request.json', async () => {
    const body = await ours({
      messages: [
        { role: 'system', content: 'You are a chatbot.' },
        { role: 'user', content: 'Hello!' },
      ],
    });
    assert.deepEqual(body, recorded('text-basic.request.json'));
  });

  test('text-gemini-3.5-flash.request.json and stream-text.request.json', async () => {
    const math = await ours({
      messages: [{ role: 'user', content: 'What is 2 + 2? Reply with just the number.' }],
    });
    assert.deepEqual(math, recorded('text-gemini-3.5-flash.request.json'));
    const count = await ours({
      messages: [{ role: 'user', content: 'Count from 1 to 30, one number per line, digits only.' }],
    });
    assert.deepEqual(count, recorded('stream-text.request.json'));
  });

  test('max-tokens-thinking-empty.request.json (maxOutputTokens from the ProviderRequest)', async () => {
    const body = await ours(
      {
        max_tokens: 999,
        messages: [
          { role: 'system', content: 'You are a helpful chatbot.' },
          { role: 'user', content: 'What is the capital of France?' },
        ],
      },
      5,
    );
    assert.deepEqual(body, recorded('max-tokens-thinking-empty.request.json'));
  });

  test('function-call.request.json', async () => {
    const body = await ours({
      temperature: 0,
      tools: getCapital,
      messages: [
        { role: 'system', content: 'You are a helpful chatbot.' },
        { role: 'user', content: 'What is the capital of France?' },
      ],
    });
    assert.deepEqual(body, recorded('function-call.request.json'));
  });

  test('function-response-turn2.request.json (signature back from our id, JSON tool result as object)', async () => {
    const fixture = fixtureJson('function-response-turn2.request.json') as {
      contents: Array<{
        parts: Array<{ thoughtSignature?: string; functionResponse?: { response: unknown } }>;
      }>;
    };
    const signature = fixture.contents[1]?.parts[0]?.thoughtSignature ?? '';
    const result = JSON.stringify(fixture.contents[2]?.parts[0]?.functionResponse?.response);
    const id = encodeToolCallId(signature);
    const body = await ours({
      temperature: 0,
      tools: getCapital,
      messages: [
        { role: 'system', content: 'You are a helpful chatbot.' },
        { role: 'user', content: 'What is the capital of France?' },
        {
          role: 'assistant',
          tool_calls: [
            { id, type: 'function', function: { name: 'get_capital', arguments: '{"country":"France"}' } },
          ],
        },
        { role: 'tool', tool_call_id: id, content: result },
      ],
    });
    assert.deepEqual(body, recorded('function-response-turn2.request.json'));
  });

  test('stream-function-call.request.json (empty schema omitted)', async () => {
    const body = await ours({
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_country',
            description: '',
            parameters: { type: 'object', properties: {}, additionalProperties: false },
          },
        },
      ],
      messages: [{ role: 'user', content: 'What is the capital of the user country? Call the tool' }],
    });
    assert.deepEqual(body, recorded('stream-function-call.request.json'));
  });

  test('thinking-thought-parts.request.json and stream-thinking.request.json (google.thinking_config)', async () => {
    const request: Partial<ChatCompletionRequest> = {
      tools: [
        {
          type: 'function',
          function: { name: 'dummy', description: '', parameters: { type: 'object', properties: {} } },
        },
      ],
      google: { thinking_config: { include_thoughts: true } },
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'How do I cross the street?' },
      ],
    };
    const body = await ours(request);
    assert.deepEqual(body, recorded('thinking-thought-parts.request.json'));
    assert.deepEqual(body, recorded('stream-thinking.request.json'));
  });

  test('image-input.request.json (data URL -> inlineData, payload untouched)', async () => {
    const fixture = fixtureJson('image-input.request.json') as {
      contents: Array<{ parts: Array<{ inlineData?: { data: string } }> }>;
    };
    const data = fixture.contents[0]?.parts[1]?.inlineData?.data ?? '';
    const body = await ours({
      messages: [
        { role: 'system', content: 'You are a helpful chatbot.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this vegetable?' },
            { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${data}` } },
          ],
        },
      ],
    });
    assert.deepEqual(body, recorded('image-input.request.json'));
  });

  test('safety-blocked.request.json (google.safety_settings)', async () => {
    const body = await ours({
      extra_body: {
        google: {
          safety_settings: [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_LOW_AND_ABOVE' }],
        },
      },
      messages: [
        { role: 'system', content: 'You hate the world!' },
        { role: 'user', content: 'Tell me a joke about a Brazilians.' },
      ],
    });
    assert.deepEqual(body, recorded('safety-blocked.request.json'));
  });

  test('cached-content.request.json (google.cached_content)', async () => {
    const body = await ours({
      google: { cached_content: 'cachedContents/7lf5him5ev4iemi1yjv2gwli5bhpz3yidzejwllo' },
      // The system prompt lives in the cache; sending one too is refused (convert-request.test.ts).
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    });
    assert.deepEqual(body, recorded('cached-content.request.json'));
  });

  test('error-404-model-not-found.request.json', async () => {
    const body = await ours({ messages: [{ role: 'user', content: 'hello' }] });
    assert.deepEqual(body, recorded('error-404-model-not-found.request.json'));
  });
});
