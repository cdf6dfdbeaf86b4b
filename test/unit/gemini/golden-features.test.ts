/**
 * Golden tests per Gemini feature, against recorded Gemini answers (test/fixtures/gemini, sources in
 * SOURCES.md) replayed through `GeminiProvider` from a real HTTP upstream double: Google Search
 * grounding (JSON and stream), URL context, code execution (JSON and stream), logprobs, and the native
 * finish reasons.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { UrlCitation } from '../../../src/openai/response.ts';
import { GeminiProvider } from '../../../src/providers/gemini/gemini-provider.ts';
import type { StreamEvent } from '../../../src/providers/provider.ts';
import { UpstreamError } from '../../../src/providers/shared/upstream-error.ts';
import {
  collect,
  fixtureBytes,
  fixtureJson,
  providerInput,
  startUpstream,
  type Reply,
  type UpstreamDouble,
} from './helpers.ts';

let upstream: UpstreamDouble;
let provider: GeminiProvider;
let reply: Reply = { status: 500, chunks: [] };

before(async () => {
  upstream = await startUpstream(() => reply);
  provider = new GeminiProvider({ name: 'google', baseUrl: upstream.baseUrl, apiKey: 'test-key' });
});
after(async () => {
  await provider.close();
  await upstream.close();
});

function serveJson(fixture: string): void {
  reply = { status: 200, chunks: [fixtureBytes(fixture)] };
}

/** The recorded stream verbatim, in 61-byte pieces flushed one by one. */
function serveSse(fixture: string): void {
  const bytes = fixtureBytes(fixture);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += 61) chunks.push(bytes.subarray(offset, offset + 61));
  reply = { status: 200, headers: { 'content-type': 'text/event-stream' }, chunks };
}

interface RecordedSupport {
  segment: { startIndex?: number; endIndex: number; text: string };
  groundingChunkIndices: number[];
}

function recordedGrounding(fixture: string): {
  supports: RecordedSupport[];
  chunks: Array<{ web: { uri: string } }>;
} {
  const body = fixtureJson(fixture) as {
    candidates: Array<{ groundingMetadata: { groundingSupports: RecordedSupport[]; groundingChunks: [] } }>;
  };
  const metadata = body.candidates[0]?.groundingMetadata;
  assert.ok(metadata);
  return { supports: metadata.groundingSupports, chunks: metadata.groundingChunks };
}

/** Each citation covers exactly the text Gemini said it supports, with the recorded source. */
function assertCitations(
  content: string,
  annotations: UrlCitation[],
  supports: RecordedSupport[],
  chunks: Array<{ web: { uri: string } }>,
): void {
  const expected = supports.flatMap((support) =>
    support.groundingChunkIndices.map((index) => ({
      text: support.segment.text,
      url: chunks[index]?.web.uri,
    })),
  );
  assert.equal(annotations.length, expected.length);
  annotations.forEach((annotation, position) => {
    assert.equal(annotation.type, 'url_citation');
    const { start_index: start, end_index: end, url } = annotation.url_citation;
    assert.equal(content.slice(start, end), expected[position]?.text, `citation ${position}`);
    assert.equal(url, expected[position]?.url);
  });
}

function streamed(events: StreamEvent[]): {
  content: string;
  annotations: UrlCitation[];
  last: StreamEvent[];
} {
  let content = '';
  const annotations: UrlCitation[] = [];
  for (const event of events) {
    if (event.type !== 'choices') continue;
    for (const choice of event.choices) {
      content += choice.delta.content ?? '';
      annotations.push(...(choice.delta.annotations ?? []));
    }
  }
  return { content, annotations, last: events.slice(-2) };
}

describe('Google Search grounding', () => {
  test('google-search.response.json: url_citation annotations over the cited text (UTF-8 offsets)', async () => {
    serveJson('google-search.response.json');
    const result = await provider.complete(providerInput({ web_search_options: {} }));
    const choice = result.choices[0];
    assert.ok(choice?.message.content);
    const { supports, chunks } = recordedGrounding('google-search.response.json');
    // The first segment ends after "69°F.": 216 bytes but 215 characters (° is two bytes).
    assert.equal(supports[0]?.segment.endIndex, 216);
    assert.equal(choice.message.annotations?.[0]?.url_citation.end_index, 215);
    assertCitations(choice.message.content, choice.message.annotations ?? [], supports, chunks);
    const raw = choice.grounding_metadata as { webSearchQueries: string[] };
    assert.deepEqual(raw.webSearchQueries, ['weather in San Francisco today']);
    assert.equal(result.counts.groundedRequests, 1);
    const sent = JSON.parse(upstream.requests.at(-1)?.body ?? '{}') as { tools: unknown };
    assert.deepEqual(sent.tools, [{ googleSearch: {} }]);
  });

  test('google-search-stream.sse: citations arrive in a delta, offsets into the whole streamed text', async () => {
    serveSse('google-search-stream.sse');
    const events = await collect(await provider.stream(providerInput({ stream: true })));
    const { content, annotations } = streamed(events);
    const recorded = fixtureBytes('google-search-stream.sse').toString('utf8');
    const lastData =
      recorded
        .trim()
        .split(/\r\n\r\n/)
        .at(-1)
        ?.slice(6) ?? '{}';
    const final = JSON.parse(lastData) as {
      candidates: Array<{ groundingMetadata: { groundingSupports: RecordedSupport[]; groundingChunks: [] } }>;
    };
    const metadata = final.candidates[0]?.groundingMetadata;
    assert.ok(metadata && metadata.groundingSupports.length > 0);
    assertCitations(content, annotations, metadata.groundingSupports, metadata.groundingChunks);
    const usage = events.filter((event) => event.type === 'usage').at(-1);
    assert.equal(usage?.type === 'usage' ? usage.counts.groundedRequests : 0, 1);
  });
});

describe('URL context', () => {
  test('url-context.response.json: a citation of the fetched page, not a billed search', async () => {
    serveJson('url-context.response.json');
    const result = await provider.complete(providerInput({ tools: [{ type: 'url_context' }] }));
    const choice = result.choices[0];
    assert.deepEqual(choice?.message.annotations, [
      {
        type: 'url_citation',
        url_citation: {
          url: 'https://ai.pydantic.dev',
          title: 'Pydantic AI',
          start_index: 0,
          end_index: choice?.message.content?.length,
        },
      },
    ]);
    assert.equal(result.counts.groundedRequests, undefined);
    // The 2395 tokens of the fetched page are input Google bills: prompt 32 + 2395.
    assert.equal(result.counts.prompt, 2427);
    assert.equal(result.counts.total, 2515);
    const sent = JSON.parse(upstream.requests.at(-1)?.body ?? '{}') as { tools: unknown };
    assert.deepEqual(sent.tools, [{ urlContext: {} }]);
  });
});

describe('code execution', () => {
  test('code-execution.response.json: the code and what it printed reach content, in order', async () => {
    serveJson('code-execution.response.json');
    const result = await provider.complete(providerInput({ tools: [{ type: 'code_execution' }] }));
    const content = result.choices[0]?.message.content ?? '';
    const first = content.indexOf('```python\nfrom datetime import datetime\nimport pytz\n');
    const output = content.indexOf('```output\nCurrent day in Utrecht: Tuesday, May 05, 2026\n```');
    const answer = content.indexOf('Today is **Thursday, May 23, 2024**, in Utrecht');
    assert.ok(first >= 0 && output > first && answer > output, content.slice(0, 200));
    assert.equal(result.choices[0]?.native_finish_reason, 'STOP');
    // P 257 + toolUse 1732; completion C 170 + T 773.
    assert.equal(result.counts.prompt, 1989);
    assert.equal(result.counts.completion, 943);
  });

  test('code-execution-stream.sse: code, output and answer stream as content', async () => {
    serveSse('code-execution-stream.sse');
    const events = await collect(await provider.stream(providerInput({ stream: true })));
    const { content } = streamed(events);
    assert.ok(
      content.startsWith('\n```python\nresult = 65465 - 6544 * 65464 - 6 + 1.02255\nprint(result)\n```\n'),
    );
    assert.ok(content.includes('\n```output\n-428330955.97745\n```\n'));
    assert.ok(content.endsWith('is **-428,330,955.97745**.'));
    // Mid-stream usage dipped to 46/46 once; the last report (P 147 + U 465, T 168, C 108) is the one.
    const usage = events.filter((event) => event.type === 'usage').at(-1);
    assert.equal(usage?.type === 'usage' ? usage.counts.total : 0, 783);
  });
});

describe('logprobs', () => {
  test('logprobs-vertex.response.json: chosen tokens and top candidates per step', async () => {
    serveJson('logprobs-vertex.response.json');
    const result = await provider.complete(providerInput({ logprobs: true, top_logprobs: 5 }));
    const choice = result.choices[0];
    const logprobs = choice?.logprobs as {
      content: Array<{ token: string; logprob: number; bytes: number[]; top_logprobs: unknown[] }>;
    };
    assert.equal(logprobs.content.map((entry) => entry.token).join(''), choice?.message.content);
    assert.deepEqual(logprobs.content[0], {
      token: '2',
      logprob: -0.01972555,
      bytes: [50],
      top_logprobs: [
        { token: '2', logprob: -0.01972555, bytes: [50] },
        { token: '4', logprob: -4.1320033, bytes: [52] },
        { token: 'Four', logprob: -6.808355, bytes: [70, 111, 117, 114] },
        { token: '$', logprob: -6.889938, bytes: [36] },
        { token: '**', logprob: -7.830156, bytes: [42, 42] },
      ],
    });
    for (const entry of logprobs.content) assert.equal(entry.top_logprobs.length, 5);
    const sent = JSON.parse(upstream.requests.at(-1)?.body ?? '{}') as { generationConfig: unknown };
    assert.deepEqual(sent.generationConfig, { responseLogprobs: true, logprobs: 5 });
  });
});

describe('image output', () => {
  test('image-output.response.json: the image as a data URL, its tokens at the image price', async () => {
    serveJson('image-output.response.json');
    const result = await provider.complete(
      providerInput({ modalities: ['text', 'image'] }, { model: 'gemini-3.1-flash-image' }),
    );
    const message = result.choices[0]?.message;
    assert.equal(message?.content, null);
    assert.deepEqual(message?.images, [
      {
        type: 'image_url',
        // The recording's payload was redacted by its publisher; the shape is Gemini's.
        image_url: { url: 'data:image/jpeg;base64,<redacted live image data; length=439196>' },
      },
    ]);
    assert.equal(result.counts.completionImage, 1120);
    assert.equal(result.counts.completion, 1392);
    const sent = JSON.parse(upstream.requests.at(-1)?.body ?? '{}') as { generationConfig: unknown };
    assert.deepEqual(sent.generationConfig, { responseModalities: ['TEXT', 'IMAGE'] });
  });

  test('image-output-stream.sse: the image arrives in a delta; usage by modality', async () => {
    serveSse('image-output-stream.sse');
    const events = await collect(
      await provider.stream(
        providerInput(
          { stream: true, modalities: ['text', 'image'] },
          { model: 'gemini-3-pro-image-preview' },
        ),
      ),
    );
    const images = events.flatMap((event) =>
      event.type === 'choices' ? event.choices.flatMap((choice) => choice.delta.images ?? []) : [],
    );
    assert.deepEqual(images, [{ type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AA==' } }]);
    const usage = events.filter((event) => event.type === 'usage').at(-1);
    assert.ok(usage?.type === 'usage');
    // C 1219 (1120 of them IMAGE) + T 167: completion 1386, visible text 1386 - 167 - 1120 = 99.
    assert.equal(usage.counts.completion, 1386);
    assert.equal(usage.counts.completionImage, 1120);
    assert.equal(usage.counts.completionText, 99);
  });

  test('finish-no-image.response.json: NO_IMAGE is a stop with no content, and says so', async () => {
    serveJson('finish-no-image.response.json');
    const result = await provider.complete(providerInput({}, { model: 'gemini-3.1-flash-image-preview' }));
    assert.equal(result.choices[0]?.message.content, null);
    assert.equal(result.choices[0]?.finish_reason, 'stop');
    assert.equal(result.choices[0]?.native_finish_reason, 'NO_IMAGE');
  });
});

describe('penalties', () => {
  test('error-400-penalty-not-enabled.response.json: what 2.5 answers; Portico refuses first', async () => {
    const before = upstream.requests.length;
    await assert.rejects(provider.complete(providerInput({ presence_penalty: 0.5 })), (error: unknown) => {
      assert.ok(error instanceof UpstreamError);
      assert.equal(error.clientError.param, 'presence_penalty');
      return true;
    });
    assert.equal(upstream.requests.length, before, 'nothing reached the upstream');
    // A model Portico does not know to lack penalties still gets Gemini's own 400 through.
    reply = { status: 400, chunks: [fixtureBytes('error-400-penalty-not-enabled.response.json')] };
    await assert.rejects(
      provider.complete(providerInput({ presence_penalty: 0.5 }, { traits: { penalties: true } })),
      (error: unknown) => {
        assert.ok(error instanceof UpstreamError);
        assert.equal(error.clientError.status, 400);
        assert.match(error.clientError.message, /Penalty is not enabled/);
        return true;
      },
    );
  });
});

describe('native finish reasons', () => {
  const recorded: Array<[string, string, string]> = [
    ['text-basic.response.json', 'STOP', 'stop'],
    ['function-call.response.json', 'STOP', 'tool_calls'],
    ['max-tokens-thinking-empty.response.json', 'MAX_TOKENS', 'length'],
    ['safety-blocked.response.json', 'SAFETY', 'content_filter'],
    ['prompt-blocked-vertex.response.json', 'MODEL_ARMOR', 'content_filter'],
  ];
  for (const [fixture, native, openai] of recorded) {
    test(`${fixture}: finish_reason ${openai}, native_finish_reason ${native}`, async () => {
      serveJson(fixture);
      const result = await provider.complete(providerInput({}));
      assert.equal(result.choices[0]?.finish_reason, openai);
      assert.equal(result.choices[0]?.native_finish_reason, native);
    });
  }

  test('function-call.response.json keeps the finish message', async () => {
    serveJson('function-call.response.json');
    const result = await provider.complete(providerInput({}));
    assert.equal(result.choices[0]?.finish_message, 'Model generated function call(s).');
  });

  test('prompt-blocked-vertex.response.json keeps the block message', async () => {
    serveJson('prompt-blocked-vertex.response.json');
    const result = await provider.complete(providerInput({}));
    const body = fixtureJson('prompt-blocked-vertex.response.json') as {
      promptFeedback: { blockReasonMessage: string };
    };
    assert.equal(result.choices[0]?.finish_message, body.promptFeedback.blockReasonMessage);
  });
});
