import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatCompletionRequest } from '../../../src/openai/request.ts';
import { buildUpstreamBody } from '../../../src/providers/openai-compatible/convert-request.ts';
import { encodeToolCallId } from '../../../src/providers/openai-compatible/tool-call-id.ts';
import { providerInput } from './helpers/provider-input.ts';

const fullRequest: ChatCompletionRequest = {
  model: 'portico-alias',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi', name: 'ada' },
  ],
  tools: [{ type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } }],
  tool_choice: 'auto',
  parallel_tool_calls: false,
  response_format: { type: 'json_object' },
  temperature: 0.2,
  top_p: null,
  n: 1,
  stop: ['END'],
  max_tokens: 50,
  max_completion_tokens: 60,
  seed: 7,
  reasoning_effort: 'low',
  user: 'end-user-1',
  metadata: { team: 'a' },
  stream: true,
  stream_options: { include_usage: false },
  logit_bias: { '50256': -100 },
  service_tier: 'flex',
};

test('the non-stream body is pinned: OpenAI fields as sent, model replaced, cap as max_completion_tokens', () => {
  const body: unknown = JSON.parse(buildUpstreamBody(providerInput(fullRequest), false));
  assert.deepEqual(body, {
    model: 'upstream-model',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi', name: 'ada' },
    ],
    tools: [{ type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } }],
    tool_choice: 'auto',
    parallel_tool_calls: false,
    response_format: { type: 'json_object' },
    temperature: 0.2,
    n: 1,
    stop: ['END'],
    seed: 7,
    reasoning_effort: 'low',
    service_tier: 'flex',
    logit_bias: { '50256': -100 },
    max_completion_tokens: 100,
  });
});

test('Anthropic-style thinking becomes an effort; an explicit reasoning_effort wins', () => {
  const { reasoning_effort: _ignored, ...rest } = fullRequest;
  const effort = (thinking: ChatCompletionRequest['thinking']) =>
    JSON.parse(buildUpstreamBody(providerInput({ ...rest, thinking }), false)).reasoning_effort;
  assert.equal(effort({ type: 'enabled', budget_tokens: 1024 }), 'low');
  assert.equal(effort({ type: 'enabled', budget_tokens: 4096 }), 'medium');
  assert.equal(effort({ type: 'enabled', budget_tokens: 32_000 }), 'high');
  assert.equal(effort({ type: 'disabled' }), 'none');
  const both = JSON.parse(
    buildUpstreamBody(
      providerInput({ ...fullRequest, thinking: { type: 'enabled', budget_tokens: 32_000 } }),
      false,
    ),
  );
  assert.equal(both.reasoning_effort, 'low');
});

test('fields an OpenAI-compatible upstream cannot honour are refused naming them, never dropped', () => {
  const cases: Array<[Partial<ChatCompletionRequest>, string]> = [
    [{ extra_body: { google: { cached_content: 'cachedContents/x' } } }, 'extra_body.google'],
    [{ google: { thinking_config: { thinking_budget: 0 } } }, 'google'],
    [{ store: true }, 'store'],
    [{ tools: [{ type: 'google_search' }] } as Partial<ChatCompletionRequest>, 'tools[0].type'],
  ];
  for (const [fields, param] of cases) {
    assert.throws(
      () => buildUpstreamBody(providerInput({ ...fullRequest, ...fields }), false),
      (error: { status?: number; param?: string }) => error.status === 400 && error.param === param,
      param,
    );
  }
});

test('a stream body always asks for usage, whatever the client chose', () => {
  const body = JSON.parse(buildUpstreamBody(providerInput(fullRequest), true)) as Record<string, unknown>;
  assert.equal(body.stream, true);
  assert.deepEqual(body.stream_options, { include_usage: true });
});

test('legacyMaxTokens sends the same cap under both names; no cap sends neither', () => {
  const legacy = JSON.parse(
    buildUpstreamBody(providerInput({ max_tokens: 5 }), false, { legacyMaxTokens: true }),
  );
  assert.equal(legacy.max_completion_tokens, 100);
  assert.equal(legacy.max_tokens, 100);
  const uncapped = JSON.parse(
    buildUpstreamBody(providerInput({ max_tokens: 5 }, { maxOutputTokens: undefined }), false),
  ) as Record<string, unknown>;
  assert.equal('max_tokens' in uncapped, false);
  assert.equal('max_completion_tokens' in uncapped, false);
});

test('tool-call ids are decoded and the thought signature returns in extra_content', () => {
  const signed = encodeToolCallId('call_abc', 'SIG+/=');
  const explicit = { google: { thought_signature: 'FROM-CLIENT' } };
  const request: Partial<ChatCompletionRequest> = {
    messages: [
      { role: 'user', content: 'time?' },
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'thinking...',
        tool_calls: [
          { id: signed, type: 'function', function: { name: 'get_time', arguments: '{}' } },
          { id: 'call_plain', type: 'function', function: { name: 'get_date', arguments: '{}' } },
          {
            id: signed,
            type: 'function',
            function: { name: 'get_zone', arguments: '{}' },
            extra_content: explicit,
          },
        ],
      },
      { role: 'tool', content: '12:00', tool_call_id: signed },
    ],
  };
  const body = JSON.parse(buildUpstreamBody(providerInput(request), false)) as { messages: unknown[] };
  assert.deepEqual(body.messages.slice(1), [
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: 'call_abc',
          type: 'function',
          function: { name: 'get_time', arguments: '{}' },
          extra_content: { google: { thought_signature: 'SIG+/=' } },
        },
        { id: 'call_plain', type: 'function', function: { name: 'get_date', arguments: '{}' } },
        {
          id: 'call_abc',
          type: 'function',
          function: { name: 'get_zone', arguments: '{}' },
          extra_content: explicit,
        },
      ],
    },
    { role: 'tool', content: '12:00', tool_call_id: 'call_abc' },
  ]);
});
