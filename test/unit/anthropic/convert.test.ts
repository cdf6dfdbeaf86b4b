/** Anthropic translation: usage and cache-token rules, stop reasons, the stream events, the request. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertUsage, mapStopReason } from '../../../src/providers/anthropic/convert-response.ts';
import { convertRequest } from '../../../src/providers/anthropic/convert-request.ts';
import { transformAnthropicStream } from '../../../src/providers/anthropic/stream-transform.ts';
import { anthropicErrorFromResponse } from '../../../src/providers/anthropic/errors.ts';
import { UpstreamError } from '../../../src/providers/shared/upstream-error.ts';
import { PorticoError } from '../../../src/errors.ts';
import type { ProviderRequest } from '../../../src/providers/provider.ts';

async function collect(events: string[]) {
  async function* source() {
    yield* events;
  }
  const out = [];
  for await (const event of transformAnthropicStream(source())) out.push(event);
  return out;
}

const input = (request: Record<string, unknown>, maxOutputTokens = 1000) =>
  ({
    request: { model: 'm', ...request },
    upstreamModel: 'claude-x',
    traits: {},
    maxOutputTokens,
    signal: new AbortController().signal,
    requestId: 'req',
  }) as unknown as ProviderRequest;

describe('anthropic usage', () => {
  it('the prompt is input + cache reads + cache writes; cached = reads; thinking is in output', () => {
    const counts = convertUsage({
      input_tokens: 50,
      cache_read_input_tokens: 1_000,
      cache_creation_input_tokens: 200,
      output_tokens: 300,
    });
    assert.equal(counts.prompt, 1_250);
    assert.equal(counts.cachedPrompt, 1_000);
    assert.equal(counts.completion, 300);
    assert.equal(counts.total, 1_550);
  });

  it('maps every stop reason', () => {
    assert.equal(mapStopReason('end_turn'), 'stop');
    assert.equal(mapStopReason('stop_sequence'), 'stop');
    assert.equal(mapStopReason('max_tokens'), 'length');
    assert.equal(mapStopReason('tool_use'), 'tool_calls');
    assert.equal(mapStopReason('refusal'), 'content_filter');
    assert.equal(mapStopReason(null), null);
  });
});

describe('anthropic stream', () => {
  it('turns the documented event sequence into choices and cumulative usage', async () => {
    const events = await collect([
      '{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-x","stop_reason":null,"usage":{"input_tokens":25,"cache_read_input_tokens":10,"output_tokens":1}}}',
      '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
      '{"type":"ping"}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"!"}}',
      '{"type":"content_block_stop","index":0}',
      '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}',
      '{"type":"message_stop"}',
    ]);
    const text = events
      .flatMap((event) => (event.type === 'choices' ? event.choices : []))
      .map((choice) => choice.delta.content ?? '')
      .join('');
    assert.equal(text, 'Hello!');
    const usages = events.filter((event) => event.type === 'usage');
    const last = usages.at(-1);
    assert.equal(last?.type === 'usage' ? last.counts.prompt : 0, 35);
    assert.equal(last?.type === 'usage' ? last.counts.completion : 0, 15);
    const finish = events.find((event) => event.type === 'choices' && event.choices[0]?.finish_reason);
    assert.equal(finish?.type === 'choices' ? finish.choices[0]?.finish_reason : null, 'stop');
  });

  it('an error event or a stream cut before message_stop fails as a protocol error', async () => {
    await assert.rejects(
      collect([
        '{"type":"message_start","message":{"usage":{"input_tokens":1}}}',
        '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
      ]),
      (error: unknown) => error instanceof UpstreamError && error.kind === 'protocol',
    );
    await assert.rejects(collect(['{"type":"message_start","message":{}}']), /without message_stop/);
  });
});

describe('anthropic request', () => {
  it('system to system, tool results merged into one user turn, images as base64 blocks', () => {
    const body = convertRequest(
      input({
        messages: [
          { role: 'system', content: 'A' },
          { role: 'developer', content: 'B' },
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 't1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
              { id: 't2', type: 'function', function: { name: 'f', arguments: '{}' } },
            ],
          },
          { role: 'tool', tool_call_id: 't1', content: 'one' },
          { role: 'tool', tool_call_id: 't2', content: 'two' },
        ],
        stop: 'END',
      }),
      false,
    );
    assert.equal(body.system, 'A\n\nB');
    assert.equal(body.max_tokens, 1000);
    assert.deepEqual(body.stop_sequences, ['END']);
    const messages = body.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
    assert.deepEqual(
      messages.map((message) => message.role),
      ['user', 'assistant', 'user'],
    );
    assert.deepEqual(messages[0]?.content[0], {
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: 'AAAA' },
    });
    assert.deepEqual(messages[1]?.content[0], { type: 'tool_use', id: 't1', name: 'f', input: { x: 1 } });
    assert.deepEqual(
      messages[2]?.content.map((block) => block.tool_use_id),
      ['t1', 't2'],
    );
  });

  it('refuses what Anthropic cannot honour, naming the field', () => {
    const refused = (request: Record<string, unknown>) => {
      try {
        convertRequest(input({ messages: [{ role: 'user', content: 'x' }], ...request }), false);
        return undefined;
      } catch (error) {
        return error instanceof PorticoError ? error.param : 'other';
      }
    };
    assert.equal(refused({ temperature: 1.5 }), 'temperature');
    assert.equal(refused({ n: 2 }), 'n');
    assert.equal(refused({ response_format: { type: 'json_object' } }), 'response_format');
    assert.equal(refused({ temperature: 0.7 }), undefined);
  });

  it('maps statuses: 529 overloaded as an unbilled 503, 401 a refused key, 429 with Retry-After', () => {
    const overloaded = anthropicErrorFromResponse(
      529,
      '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
      {},
    );
    assert.equal(overloaded.upstreamStatus, 503);
    assert.equal(overloaded.unbilled, true);
    assert.equal(anthropicErrorFromResponse(401, '{}', {}).credentialRejected, true);
    const limited = anthropicErrorFromResponse(
      429,
      '{"type":"error","error":{"type":"rate_limit_error","message":"slow"}}',
      {
        'retry-after': '12',
      },
    );
    assert.equal(limited.upstreamRetryAfterSeconds, 12);
    assert.equal(limited.clientError.status, 429);
  });
});
