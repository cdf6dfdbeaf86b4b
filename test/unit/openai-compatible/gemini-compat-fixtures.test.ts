/**
 * Recorded answers of Gemini's OpenAI-compatible endpoint (gemini-mapping.md §9), replayed through the
 * provider over HTTP. The recordings are in test/fixtures/gemini.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAICompatibleProvider } from '../../../src/providers/openai-compatible/openai-compatible-provider.ts';
import { decodeToolCallId } from '../../../src/providers/openai-compatible/tool-call-id.ts';
import type { ToolCallWithExtra } from '../../../src/providers/openai-compatible/convert-response.ts';
import { UpstreamError } from '../../../src/providers/shared/upstream-error.ts';
import type { ChatCompletionRequest } from '../../../src/openai/request.ts';
import { geminiFixtureText } from '../../helpers/fixtures.ts';
import { UpstreamDouble, sendJson, type Handler } from './helpers/upstream-double.ts';
import { providerInput, rejection } from './helpers/provider-input.ts';

function fixture(name: string): unknown {
  return JSON.parse(geminiFixtureText(name));
}

let handler: Handler = (_request, response) => sendJson(response, 500, {});
let double: UpstreamDouble;
let provider: OpenAICompatibleProvider;

before(async () => {
  double = await UpstreamDouble.start((request, response) => handler(request, response));
  provider = new OpenAICompatibleProvider({
    name: 'gemini-compat',
    baseUrl: double.baseUrl,
    apiKey: 'AIza-test',
  });
});

after(async () => {
  await provider.close();
  await double.close();
});

test('tool call: ids generated, reasoning derived from the total, signature survives a round trip', async () => {
  const response = fixture('openai-compat-tool-call.response.json') as {
    choices: Array<{ message: { thought_signature: string } }>;
  };
  const signature = response.choices[0]?.message.thought_signature;
  handler = (_request, reply) => sendJson(reply, 200, response);
  const request = fixture('openai-compat-tool-call.request.json') as ChatCompletionRequest;
  const result = await provider.complete(providerInput(request));

  assert.equal(result.usageEstimated, false);
  assert.equal(result.counts.reasoning, 109 - 35 - 12);
  assert.equal(result.counts.completion, 12 + 62);
  assert.equal(result.counts.total, 109);
  const choice = result.choices[0];
  assert.equal(choice?.finish_reason, 'tool_calls');
  const call = choice?.message.tool_calls?.[0] as ToolCallWithExtra | undefined;
  assert.ok(call);
  const decoded = decodeToolCallId(call.id);
  assert.match(decoded.id, /^call_[0-9a-f]{24}$/);
  assert.equal(decoded.signature, signature);
  assert.deepEqual(call.extra_content, { google: { thought_signature: signature } });

  // Turn two: the client echoes only id/type/function; the signature must reach the upstream again.
  handler = (_request, reply) =>
    sendJson(reply, 200, { choices: [{ message: { content: 'It is noon.' }, finish_reason: 'stop' }] });
  await provider.complete(
    providerInput({
      messages: [
        ...request.messages,
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: call.id, type: 'function', function: call.function }],
        },
        { role: 'tool', tool_call_id: call.id, content: '12:00' },
      ],
    }),
  );
  const sent = double.lastBody() as { messages: Array<Record<string, unknown>> };
  assert.deepEqual(sent.messages[1], {
    role: 'assistant',
    content: null,
    tool_calls: [
      {
        id: decoded.id,
        type: 'function',
        function: { name: 'get_current_time', arguments: '{}' },
        extra_content: { google: { thought_signature: signature } },
      },
    ],
  });
  assert.deepEqual(sent.messages[2], { role: 'tool', content: '12:00', tool_call_id: decoded.id });
});

test('array-form 400 error: the client sees 400 with the upstream message', async () => {
  handler = (_request, reply) => sendJson(reply, 400, fixture('openai-compat-error-400.response.json'));
  const error = await rejection(() => provider.complete(providerInput()));
  assert.ok(error instanceof UpstreamError);
  assert.equal(error.clientError.status, 400);
  assert.equal(error.clientError.code, 'invalid_request');
  assert.equal(
    error.clientError.message,
    'Invalid JSON payload received. Unknown name "web_search_options": Cannot find field.',
  );
});
