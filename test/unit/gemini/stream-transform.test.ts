/**
 * The stream transform on its own: every recorded .sse split at every byte boundary gives the same
 * events as the whole file (SSE framing and UTF-8 sequences can be cut anywhere on the wire), plus the
 * stream shapes the fixtures do not cover (parallel calls, prompt block, error events, bad JSON, cut
 * streams).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StreamEvent } from '../../../src/providers/provider.ts';
import {
  GeminiStreamTransformer,
  transformGeminiStream,
} from '../../../src/providers/gemini/stream-transform.ts';
import { parseSseData } from '../../../src/providers/shared/sse-parser.ts';
import { UpstreamError } from '../../../src/providers/shared/upstream-error.ts';
import { collect, fixtureBytes, stableJson } from './helpers.ts';

async function* pieces(...chunks: Buffer[]): AsyncGenerator<Buffer> {
  for (const chunk of chunks) yield chunk;
}

function run(...chunks: Buffer[]): Promise<StreamEvent[]> {
  return collect(transformGeminiStream(parseSseData(pieces(...chunks))));
}

function sse(...payloads: unknown[]): Buffer {
  return Buffer.from(payloads.map((payload) => `data: ${JSON.stringify(payload)}\r\n\r\n`).join(''));
}

describe('every byte boundary', () => {
  for (const fixture of ['stream-text.sse', 'stream-function-call.sse', 'stream-thinking.sse']) {
    test(fixture, async () => {
      const bytes = fixtureBytes(fixture);
      const whole = await run(bytes);
      assert.ok(whole.length > 2);
      // Compared as JSON text (same keys in the same order), which is fast enough for ~17k splits.
      const expected = stableJson(whole);
      for (let cut = 1; cut < bytes.length; cut++) {
        const split = stableJson(await run(bytes.subarray(0, cut), bytes.subarray(cut)));
        if (split !== expected)
          assert.deepEqual(JSON.parse(split), JSON.parse(expected), `split at byte ${cut}`);
      }
    });
  }
});

describe('stream shapes', () => {
  test('parallel calls in one chunk and a later call keep increasing indexes; finish is tool_calls', () => {
    const transformer = new GeminiStreamTransformer();
    const first = transformer.push(
      JSON.stringify({
        candidates: [
          {
            content: {
              role: 'model',
              parts: [{ functionCall: { name: 'a', args: { x: 1 } } }, { functionCall: { name: 'b' } }],
            },
          },
        ],
      }),
    );
    const second = transformer.push(
      JSON.stringify({
        candidates: [
          {
            content: { parts: [{ text: 'then ' }, { functionCall: { name: 'c', args: {} } }] },
            finishReason: 'STOP',
          },
        ],
      }),
    );
    transformer.finish();
    const calls = [...first, ...second].flatMap((event) =>
      event.type === 'choices' ? event.choices.flatMap((choice) => choice.delta.tool_calls ?? []) : [],
    );
    assert.deepEqual(
      calls.map((call) => [call.index, call.function.name, call.function.arguments]),
      [
        [0, 'a', '{"x":1}'],
        [1, 'b', '{}'],
        [2, 'c', '{}'],
      ],
    );
    assert.equal(new Set(calls.map((call) => call.id)).size, 3);
    const last = second[0];
    assert.equal(last?.type, 'choices');
    assert.equal(last?.type === 'choices' ? last.choices[0]?.finish_reason : undefined, 'tool_calls');
    assert.equal(last?.type === 'choices' ? last.choices[0]?.delta.role : 'x', undefined);
  });

  test('a blocked prompt ends the stream with content_filter', async () => {
    const events = await run(
      sse({
        promptFeedback: { blockReason: 'SAFETY' },
        usageMetadata: { promptTokenCount: 7, totalTokenCount: 7 },
      }),
    );
    assert.deepEqual(events[0], {
      type: 'choices',
      choices: [
        {
          index: 0,
          delta: { role: 'assistant' },
          finish_reason: 'content_filter',
          native_finish_reason: 'SAFETY',
        },
      ],
    });
    assert.equal(events[1]?.type, 'usage');
  });

  test('two candidates (n=2) are two choices, each with its own role and finish', async () => {
    const events = await run(
      sse(
        {
          candidates: [
            { index: 0, content: { parts: [{ text: 'a' }] } },
            { index: 1, content: { parts: [{ text: 'b' }] } },
          ],
        },
        {
          candidates: [
            { index: 1, finishReason: 'MAX_TOKENS' },
            { index: 0, finishReason: 'STOP' },
          ],
        },
      ),
    );
    assert.deepEqual(events, [
      {
        type: 'choices',
        choices: [
          { index: 0, delta: { role: 'assistant', content: 'a' }, finish_reason: null },
          { index: 1, delta: { role: 'assistant', content: 'b' }, finish_reason: null },
        ],
      },
      {
        type: 'choices',
        choices: [
          { index: 1, delta: {}, finish_reason: 'length', native_finish_reason: 'MAX_TOKENS' },
          { index: 0, delta: {}, finish_reason: 'stop', native_finish_reason: 'STOP' },
        ],
      },
    ]);
  });

  test('an error event mid-stream is an UpstreamError mapped from its code', async () => {
    const body = sse(
      { candidates: [{ content: { parts: [{ text: 'partial' }] } }] },
      { error: { code: 503, status: 'UNAVAILABLE', message: 'overloaded' } },
    );
    const seen: StreamEvent[] = [];
    await assert.rejects(
      (async () => {
        for await (const event of transformGeminiStream(parseSseData(pieces(body)))) seen.push(event);
      })(),
      (error: unknown) => error instanceof UpstreamError && error.clientError.code === 'upstream_unavailable',
    );
    assert.equal(seen.length, 1);
  });

  test('an error event without an HTTP code is a protocol error', async () => {
    await assert.rejects(run(sse({ error: { message: 'boom' } })), (error: unknown) => {
      return error instanceof UpstreamError && error.kind === 'protocol';
    });
  });

  test('malformed JSON mid-stream is a protocol error', async () => {
    const body = Buffer.concat([
      sse({ candidates: [{ content: { parts: [{ text: 'ok' }] } }] }),
      Buffer.from('data: {"candid\r\n\r\n'),
    ]);
    await assert.rejects(
      run(body),
      (error: unknown) => error instanceof UpstreamError && error.kind === 'protocol',
    );
  });

  test('a non-object payload is a protocol error', async () => {
    await assert.rejects(run(Buffer.from('data: 42\n\n')), (error: unknown) => {
      return error instanceof UpstreamError && error.kind === 'protocol';
    });
  });

  test('a stream cut before any finish reason is a protocol error, after the events it did send', async () => {
    const seen: StreamEvent[] = [];
    await assert.rejects(
      (async () => {
        const body = sse({ candidates: [{ content: { parts: [{ text: 'half' }] } }] });
        for await (const event of transformGeminiStream(parseSseData(pieces(body)))) seen.push(event);
      })(),
      (error: unknown) => error instanceof UpstreamError && error.kind === 'protocol',
    );
    assert.equal(seen.length, 1);
  });

  test('an empty body is a protocol error', async () => {
    await assert.rejects(
      run(Buffer.alloc(0)),
      (error: unknown) => error instanceof UpstreamError && error.kind === 'protocol',
    );
  });

  test('identical cumulative usage reports are passed on once; changed ones again', () => {
    const transformer = new GeminiStreamTransformer();
    const usage = { promptTokenCount: 55, totalTokenCount: 60, candidatesTokenCount: 5 };
    const a = transformer.push(
      JSON.stringify({ candidates: [{ content: { parts: [{ text: 'x' }] } }], usageMetadata: usage }),
    );
    const b = transformer.push(
      JSON.stringify({ candidates: [{ content: { parts: [{ text: 'y' }] } }], usageMetadata: usage }),
    );
    const c = transformer.push(
      JSON.stringify({
        candidates: [{ finishReason: 'STOP' }],
        usageMetadata: { ...usage, promptTokenCount: 257, totalTokenCount: 262 },
      }),
    );
    assert.deepEqual(
      [a, b, c].map((events) => events.filter((event) => event.type === 'usage').length),
      [1, 0, 1],
    );
    const last = c.find((event) => event.type === 'usage');
    assert.equal(last?.type === 'usage' ? last.counts.prompt : 0, 257);
  });
});
