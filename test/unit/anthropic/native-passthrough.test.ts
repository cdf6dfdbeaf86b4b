/**
 * Native passthrough to an Anthropic upstream: the body Portico sends (model and cap set, the rest as the
 * client wrote it) and every upstream stream event carried once, in order, beside the canonical events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  nativeAnthropicBody,
  withNativeEvents,
} from '../../../src/providers/anthropic/native-passthrough.ts';
import { transformAnthropicStream } from '../../../src/providers/anthropic/stream-transform.ts';
import type { ProviderRequest, StreamEvent } from '../../../src/providers/provider.ts';

test('the native body: the deployment model, the held cap, stream; everything else as sent', () => {
  const body = { model: 'alias', max_tokens: 9000, thinking: { type: 'enabled', budget_tokens: 2000 }, x: 1 };
  const input = {
    native: { dialect: 'anthropic', body },
    upstreamModel: 'claude-sonnet-4-5-20250929',
    maxOutputTokens: 4096,
  } as unknown as ProviderRequest;
  assert.deepEqual(nativeAnthropicBody(input, true), {
    ...body,
    model: 'claude-sonnet-4-5-20250929',
    max_tokens: 4096,
    stream: true,
  });
  assert.equal(nativeAnthropicBody({ ...input, native: { dialect: 'gemini', body } }, true), undefined);
  assert.equal(nativeAnthropicBody({ ...input, native: undefined }, false), undefined);
});

test('every upstream event is carried once, in order', async () => {
  const upstream = [
    { type: 'message_start', message: { usage: { input_tokens: 5, output_tokens: 1 } } },
    { type: 'ping' },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } },
    { type: 'message_stop' },
  ];
  async function* payloads(): AsyncGenerator<string> {
    for (const event of upstream) yield JSON.stringify(event);
  }
  const events: StreamEvent[] = [];
  for await (const event of withNativeEvents(payloads(), transformAnthropicStream)) events.push(event);
  const carried = events.flatMap((event) => (event.type === 'choices' && event.native ? [event.native] : []));
  assert.deepEqual(carried, upstream);
  const text = events
    .flatMap((event) => (event.type === 'choices' ? event.choices : []))
    .map((c) => c.delta.content);
  assert.ok(text.includes('Hi'), 'the canonical events are still there');
  const usage = events.filter((event) => event.type === 'usage').at(-1);
  assert.equal(usage?.type === 'usage' ? usage.counts.completion : -1, 2);
});
