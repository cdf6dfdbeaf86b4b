/**
 * The Anthropic Messages door's pieces on their own: the decoder's mapping and refusals, the stop-reason
 * and error-type mappings, usage in Anthropic's terms, thinking signatures, and the stream encoder's
 * block sequence.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PorticoError } from '../../../src/errors.ts';
import { anthropicErrorBody, anthropicErrorType } from '../../../src/doors/anthropic-messages/errors.ts';
import { decodeMessagesRequest } from '../../../src/doors/anthropic-messages/request.ts';
import { anthropicUsage, stopReason, toolInput } from '../../../src/doors/anthropic-messages/response.ts';
import {
  geminiSignatureFromThinking,
  thinkingSignatureFor,
} from '../../../src/doors/anthropic-messages/signature.ts';
import { MessageStreamEncoder } from '../../../src/doors/anthropic-messages/stream.ts';
import { emptyTokenCounts, type ChunkChoice } from '../../../src/openai/response.ts';
import type { RequestContext } from '../../../src/pipeline/context.ts';
import type { Served } from '../../../src/pipeline/exchange/types.ts';
import { encodeToolCallId } from '../../../src/providers/gemini/tool-call-id.ts';

const BASE = { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] };

async function refusal(body: Record<string, unknown>, forCount = false): Promise<PorticoError> {
  try {
    await decodeMessagesRequest(body, forCount);
  } catch (error) {
    assert.ok(error instanceof PorticoError, String(error));
    assert.equal(error.status, 400);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('decoding', () => {
  test('top-level fields map to the canonical request', async () => {
    const request = await decodeMessagesRequest(
      {
        ...BASE,
        max_tokens: 2000,
        system: 'be brief',
        stop_sequences: ['END'],
        temperature: 0.2,
        top_p: 0.9,
        top_k: 40,
        metadata: { user_id: 'u1' },
        stream: true,
        tools: [{ name: 'f', description: 'd', input_schema: { type: 'object' }, strict: true }],
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
        thinking: { type: 'enabled', budget_tokens: 1024, display: 'omitted' },
        output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
        service_tier: 'standard_only',
      },
      false,
    );
    assert.deepEqual(request, {
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
      max_tokens: 2000,
      tools: [
        {
          type: 'function',
          function: { name: 'f', parameters: { type: 'object' }, description: 'd', strict: true },
        },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'output', schema: { type: 'object' }, strict: true },
      },
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop: ['END'],
      user: 'u1',
      service_tier: 'default',
      stream: true,
    });
  });

  test('tool_choice tool and none; effort with adaptive thinking becomes reasoning_effort', async () => {
    const named = await decodeMessagesRequest({ ...BASE, tool_choice: { type: 'tool', name: 'f' } }, false);
    assert.deepEqual(named.tool_choice, { type: 'function', function: { name: 'f' } });
    const none = await decodeMessagesRequest({ ...BASE, tool_choice: { type: 'none' } }, false);
    assert.equal(none.tool_choice, 'none');
    const effort = await decodeMessagesRequest(
      { ...BASE, thinking: { type: 'adaptive' }, output_config: { effort: 'max' } },
      false,
    );
    assert.equal(effort.reasoning_effort, 'high');
    assert.equal(effort.thinking, undefined);
  });

  test('an assistant turn: text, calls, thinking; a Portico signature goes on the first call', async () => {
    const request = await decodeMessagesRequest(
      {
        ...BASE,
        messages: [
          { role: 'user', content: 'q' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'hmm', signature: 'portico.gemini.c2ln' },
              { type: 'text', text: 'calling' },
              { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' },
              { type: 'text', text: 'next' },
            ],
          },
        ],
      },
      false,
    );
    assert.deepEqual(request.messages.slice(1), [
      {
        role: 'assistant',
        content: [{ type: 'text', text: 'calling' }],
        tool_calls: [
          {
            id: 'toolu_1',
            type: 'function',
            function: { name: 'f', arguments: '{"a":1}' },
            extra_content: { google: { thought_signature: 'c2ln' } },
          },
        ],
        reasoning_content: 'hmm',
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'ok' },
      { role: 'user', content: [{ type: 'text', text: 'next' }] },
    ]);
  });

  test("Claude's own signatures are not sent to another model", async () => {
    const request = await decodeMessagesRequest(
      {
        ...BASE,
        messages: [
          { role: 'user', content: 'q' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'hmm', signature: 'EqQBCkgIARABGAIiQL...' },
              { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
            ],
          },
        ],
      },
      false,
    );
    const assistant = request.messages[1];
    assert.ok(assistant?.role === 'assistant');
    assert.equal(assistant.tool_calls?.[0]?.extra_content, undefined);
  });

  test('count_tokens bodies need no max_tokens and take no sampling fields', async () => {
    const request = await decodeMessagesRequest({ model: 'm', messages: BASE.messages }, true);
    assert.equal(request.max_tokens, undefined);
    assert.equal(
      (await refusal({ model: 'm', messages: BASE.messages, temperature: 1 }, true)).param,
      'temperature',
    );
  });

  test('refusals name the field', async () => {
    assert.equal((await refusal({ ...BASE, max_tokens: 0 })).param, 'max_tokens');
    assert.equal((await refusal({ ...BASE, messages: [] })).param, 'messages');
    assert.equal(
      (await refusal({ ...BASE, messages: [{ role: 'tool', content: 'x' }] })).param,
      'messages[0].role',
    );
    assert.equal(
      (await refusal({ ...BASE, messages: [{ role: 'user', content: [{ type: 'search_result' }] }] })).param,
      'messages[0].content[0].type',
    );
    assert.equal(
      (
        await refusal({
          ...BASE,
          messages: [
            {
              role: 'user',
              content: [{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'x' } }],
            },
          ],
        })
      ).param,
      'messages[0].content[0].source.media_type',
    );
    assert.equal(
      (await refusal({ ...BASE, system: [{ type: 'text', text: 'x', cache_control: { type: 'forever' } }] }))
        .param,
      'system[0].cache_control.type',
    );
    assert.equal((await refusal({ ...BASE, thinking: { type: 'between_tools' } })).param, 'thinking.type');
    assert.equal(
      (await refusal({ ...BASE, thinking: { type: 'enabled', budget_tokens: 50 }, max_tokens: 4000 })).param,
      'thinking.budget_tokens',
    );
    assert.equal(
      (
        await refusal({
          ...BASE,
          max_tokens: 4000,
          thinking: { type: 'enabled', budget_tokens: 2000 },
          output_config: { effort: 'low' },
        })
      ).param,
      'output_config.effort',
    );
    assert.equal(
      (await refusal({ ...BASE, tools: [{ name: 'f', input_schema: {}, input_examples: [{}] }] })).param,
      'tools[0].input_examples',
    );
    assert.equal((await refusal({ ...BASE, metadata: { user_id: 'u', tier: 'x' } })).param, 'metadata.tier');
    assert.equal((await refusal({ ...BASE, speed: 'fast' })).param, 'speed');
  });
});

describe('mappings', () => {
  test('stop reasons', () => {
    assert.equal(stopReason('stop'), 'end_turn');
    assert.equal(stopReason(null), 'end_turn');
    assert.equal(stopReason('length'), 'max_tokens');
    assert.equal(stopReason('tool_calls'), 'tool_use');
    assert.equal(stopReason('function_call'), 'tool_use');
    assert.equal(stopReason('content_filter'), 'refusal');
  });

  test('error types by status, and the body', () => {
    const types = [400, 401, 402, 403, 404, 408, 409, 413, 422, 429, 431, 500, 502, 503, 504].map(
      anthropicErrorType,
    );
    assert.deepEqual(types, [
      'invalid_request_error',
      'authentication_error',
      'billing_error',
      'permission_error',
      'not_found_error',
      'invalid_request_error',
      'invalid_request_error',
      'request_too_large',
      'invalid_request_error',
      'rate_limit_error',
      'request_too_large',
      'api_error',
      'api_error',
      'overloaded_error',
      'timeout_error',
    ]);
    const body = anthropicErrorBody(new PorticoError('invalid_request', { message: 'bad', param: 'stop' }));
    assert.deepEqual(body, {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'bad', param: 'stop_sequences' },
    });
    const quota = anthropicErrorBody(new PorticoError('insufficient_quota'));
    assert.equal(quota.error.type, 'billing_error');
    assert.equal(quota.error.fallback_suggestion, 'top up the account credits');
  });

  test('usage: input excludes cache reads; output includes thinking', () => {
    const counts = { ...emptyTokenCounts(), prompt: 100, cachedPrompt: 30, completion: 50, reasoning: 20 };
    assert.deepEqual(anthropicUsage(counts), {
      input_tokens: 70,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 30,
      output_tokens: 50,
      output_tokens_details: { thinking_tokens: 20 },
    });
  });

  test('tool inputs and signatures', () => {
    assert.deepEqual(toolInput('{"a":1}'), { a: 1 });
    assert.deepEqual(toolInput(''), {});
    assert.deepEqual(toolInput('[1]'), {});
    const signature = Buffer.from('a real signature').toString('base64');
    const id = encodeToolCallId(signature);
    assert.equal(geminiSignatureFromThinking(thinkingSignatureFor(id)), signature);
    assert.equal(thinkingSignatureFor('toolu_plain'), '');
    assert.equal(geminiSignatureFromThinking('portico.gemini.'), undefined);
  });
});

describe('the stream encoder', () => {
  const context = {
    requestId: 'req_0123456789',
    body: { model: 'm', messages: [{ role: 'user', content: 'hello there' }] },
  } as unknown as RequestContext;
  const served = { responseModel: 'claude-sonnet-4-5' } as Served;
  const chunk = (delta: ChunkChoice['delta'], finish: ChunkChoice['finish_reason'] = null): ChunkChoice[] => [
    { index: 0, delta, finish_reason: finish },
  ];
  const parse = (text: string) =>
    text
      .split('\n\n')
      .filter(Boolean)
      .map((frame) => {
        const [event, data] = frame.split('\n');
        return { event: event?.slice(7), data: JSON.parse(data?.slice(6) ?? 'null') };
      });

  test('thinking, text, a signed call: blocks in order, the signature before the thinking block stops', () => {
    const encoder = new MessageStreamEncoder(context, false);
    const id = encodeToolCallId(Buffer.from('sig').toString('base64'));
    let text = encoder.start(served);
    text += encoder.choices(chunk({ reasoning_content: 'let me see' }));
    text += encoder.choices(
      chunk({ tool_calls: [{ index: 0, id, type: 'function', function: { name: 'f', arguments: '{"a"' } }] }),
    );
    text += encoder.choices(
      chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }, 'tool_calls'),
    );
    text += encoder.finish({
      counts: { ...emptyTokenCounts(), prompt: 9, completion: 4 },
      usageEstimated: false,
      costMicros: 1,
    });
    const events = parse(text);
    assert.deepEqual(
      events.map((frame) =>
        frame.data.delta?.type ? `${frame.event}:${frame.data.delta.type}` : frame.event,
      ),
      [
        'message_start',
        'ping',
        'content_block_start',
        'content_block_delta:thinking_delta',
        'content_block_delta:signature_delta',
        'content_block_stop',
        'content_block_start',
        'content_block_delta:input_json_delta',
        'content_block_delta:input_json_delta',
        'content_block_stop',
        'message_delta:undefined',
        'message_stop',
      ].map((name) => name.replace(':undefined', '')),
    );
    assert.equal(events[0]?.data.message.id, 'msg_0123456789');
    assert.equal(events[4]?.data.delta.signature, `portico.gemini.${Buffer.from('sig').toString('base64')}`);
    assert.deepEqual(events[6]?.data.content_block, { type: 'tool_use', id, name: 'f', input: {} });
    assert.deepEqual([events[6]?.data.index, events[9]?.data.index], [1, 1]);
    assert.deepEqual(events[10]?.data.delta, { stop_reason: 'tool_use', stop_sequence: null });
    assert.equal(events[10]?.data.usage.input_tokens, 9);
  });

  test('omitted thinking has no text; an error ends the stream with an error event', () => {
    const encoder = new MessageStreamEncoder(context, true);
    encoder.start(served);
    const thinking = parse(encoder.choices(chunk({ reasoning_content: 'secret' })));
    assert.deepEqual(
      thinking.map((frame) => frame.event),
      ['message_start', 'ping', 'content_block_start'],
    );
    const failed = parse(encoder.fail(new PorticoError('upstream_failed')));
    assert.deepEqual(failed, [
      {
        event: 'error',
        data: {
          type: 'error',
          error: {
            type: 'api_error',
            message: 'Upstream AI service unavailable',
            fallback_suggestion: 'try different model',
          },
        },
      },
    ]);
  });
});
