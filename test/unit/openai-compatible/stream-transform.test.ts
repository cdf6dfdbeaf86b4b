import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformStream } from '../../../src/providers/openai-compatible/stream-transform.ts';
import { parseSseData } from '../../../src/providers/shared/sse-parser.ts';
import { UpstreamError } from '../../../src/providers/shared/upstream-error.ts';
import { sseText } from './helpers/upstream-double.ts';
import { collect, rejection, withStableIds } from './helpers/provider-input.ts';

const chunk = (delta: unknown, finishReason: string | null = null) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta, finish_reason: finishReason }],
});

const toolStream = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ reasoning_content: 'think ' }),
  chunk({ content: 'héllo 👋 ' }),
  chunk({
    tool_calls: [{ index: 0, id: '', type: 'function', function: { name: 'get_time', arguments: '' } }],
  }),
  chunk({ tool_calls: [{ index: 0, id: '', function: { arguments: '{"tz":' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '"UTC"}' } }] }),
  chunk({}, 'tool_calls'),
  { id: 'chatcmpl-1', choices: [], usage: { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 } },
];

async function* pieces(text: string, splitAt: number[]): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  let start = 0;
  for (const at of [...splitAt, bytes.length]) {
    yield bytes.subarray(start, at);
    start = at;
  }
}

test('chunks map to choices events and a usage event; tool-call ids fixed on the first delta only', async () => {
  const events = await collect(transformStream(parseSseData(pieces(sseText(toolStream), []))));
  assert.equal(events.length, 8);
  const toolDeltas = events.flatMap((event) =>
    event.type === 'choices' ? (event.choices[0]?.delta.tool_calls ?? []) : [],
  );
  assert.equal(toolDeltas.length, 3);
  assert.match(toolDeltas[0]?.id ?? '', /^call_[0-9a-f]{24}$/);
  assert.equal(toolDeltas[0]?.type, 'function');
  assert.equal(toolDeltas[1]?.id, undefined);
  assert.equal(toolDeltas[2]?.id, undefined);
  assert.equal(toolDeltas.map((delta) => delta.function.arguments).join(''), '{"tz":"UTC"}');
  const last = events.at(-1);
  assert.equal(last?.type === 'usage' ? last.counts.total : -1, 10);
  const reasoning = events[1];
  assert.deepEqual(reasoning?.type === 'choices' ? reasoning.choices[0]?.delta : undefined, {
    reasoning_content: 'think ',
  });
});

test('the SSE split at every byte boundary gives identical events', async () => {
  const text = sseText(toolStream);
  const expected = withStableIds(await collect(transformStream(parseSseData(pieces(text, [])))));
  const length = Buffer.byteLength(text);
  for (let at = 1; at < length; at++) {
    const events = withStableIds(await collect(transformStream(parseSseData(pieces(text, [at])))));
    assert.deepEqual(events, expected, `split at byte ${at}`);
  }
  const everyByte = Array.from({ length: length - 1 }, (_, index) => index + 1);
  assert.deepEqual(
    withStableIds(await collect(transformStream(parseSseData(pieces(text, everyByte))))),
    expected,
  );
});

async function* payloads(...items: string[]): AsyncGenerator<string> {
  yield* items;
}

test('a stream that finished without [DONE] is accepted', async () => {
  const events = await collect(transformStream(payloads(JSON.stringify(chunk({ content: 'a' }, 'stop')))));
  assert.equal(events.length, 1);
});

test('an error event, a malformed chunk and a cut stream throw UpstreamError', async () => {
  const cases: Array<[string[], string]> = [
    [[JSON.stringify(chunk({ content: 'a' })), '{"error":{"message":"overloaded","code":503}}'], 'protocol'],
    [['[{"error":{"code":500,"message":"internal"}}]'], 'protocol'],
    [[JSON.stringify(chunk({ content: 'a' })), '{"choices": [{"delta"'], 'protocol'],
    [['"just a string"'], 'protocol'],
    [[JSON.stringify(chunk({ content: 'a' }))], 'reset'],
    [[], 'reset'],
  ];
  for (const [items, kind] of cases) {
    const error = await rejection(() => collect(transformStream(payloads(...items))));
    assert.ok(error instanceof UpstreamError, items.join(' | '));
    assert.equal(error.kind, kind, items.join(' | '));
  }
  const error = await rejection(() =>
    collect(transformStream(payloads('{"error":{"message":"see https://upstream.example/v1?key=abc"}}'))),
  );
  assert.ok(error instanceof UpstreamError);
  assert.equal(error.clientError.message.includes('upstream.example'), false);
});

test('a signature on the first tool-call delta is packed into the generated id', async () => {
  const signed = chunk(
    {
      tool_calls: [
        {
          index: 0,
          id: '',
          type: 'function',
          function: { name: 'f', arguments: '{}' },
          extra_content: { google: { thought_signature: 'SIG' } },
        },
      ],
    },
    'tool_calls',
  );
  const [event] = await collect(transformStream(payloads(JSON.stringify(signed))));
  const call = event?.type === 'choices' ? event.choices[0]?.delta.tool_calls?.[0] : undefined;
  assert.match(call?.id ?? '', /^call_[0-9a-f]{24}~sig\.U0lH$/);
});
