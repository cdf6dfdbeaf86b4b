/**
 * Golden tests: every recorded Gemini response in test/fixtures/gemini (except the openai-compat-*
 * ones, which belong to the openai-compatible provider) replayed through `GeminiProvider` from a real
 * HTTP upstream double, with the exact OpenAI output and token counts each one must give.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { emptyTokenCounts, type Choice, type TokenCounts } from '../../../src/openai/response.ts';
import { GeminiProvider } from '../../../src/providers/gemini/gemini-provider.ts';
import { decodeThoughtSignature } from '../../../src/providers/gemini/tool-call-id.ts';
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

function counts(partial: Partial<TokenCounts>): TokenCounts {
  return { ...emptyTokenCounts(), ...partial };
}

/** The signature of the n-th part of candidate 0 in a recorded response (what the id must carry). */
function recordedSignature(fixture: string, part: number): string {
  const body = fixtureJson(fixture) as {
    candidates: Array<{ content: { parts: Array<{ thoughtSignature: string }> } }>;
  };
  return body.candidates[0]?.content.parts[part]?.thoughtSignature as string;
}

type TextExpectation = string | null | { prefix: string; length: number };

interface Golden {
  fixture: string;
  content: TextExpectation;
  reasoning?: { prefix: string; length: number };
  finish: Choice['finish_reason'];
  toolCall?: { name: string; arguments: string; signaturePart: number };
  counts: TokenCounts;
}

const GOLDEN: Golden[] = [
  {
    fixture: 'text-basic.response.json',
    content: 'Hello! How can I help you today?',
    finish: 'stop',
    counts: counts({ prompt: 9, promptText: 9, completion: 43, completionText: 9, reasoning: 34, total: 52 }),
  },
  {
    fixture: 'text-gemini-3.5-flash.response.json',
    content: '4',
    finish: 'stop',
    counts: counts({
      prompt: 15,
      promptText: 15,
      completion: 73,
      completionText: 1,
      reasoning: 72,
      total: 88,
    }),
  },
  {
    fixture: 'thinking-thought-parts.response.json',
    content: { prefix: 'Crossing the street safely is a fundamental skill', length: 3017 },
    reasoning: { prefix: '**A Safe Street-Crossing Guide: My Thought Process**', length: 2238 },
    finish: 'stop',
    counts: counts({
      prompt: 29,
      promptText: 29,
      completion: 1737,
      completionText: 736,
      reasoning: 1001,
      total: 1766,
    }),
  },
  {
    fixture: 'function-call.response.json',
    content: null,
    finish: 'tool_calls',
    toolCall: { name: 'get_capital', arguments: '{"country":"France"}', signaturePart: 0 },
    counts: counts({
      prompt: 57,
      promptText: 57,
      completion: 139,
      completionText: 15,
      reasoning: 124,
      total: 196,
    }),
  },
  {
    fixture: 'function-response-turn2.response.json',
    content: null,
    finish: 'tool_calls',
    toolCall: { name: 'get_capital', arguments: '{"country":"La France"}', signaturePart: 0 },
    counts: counts({
      prompt: 109,
      promptText: 109,
      completion: 215,
      completionText: 16,
      reasoning: 199,
      total: 324,
    }),
  },
  {
    fixture: 'cached-content.response.json',
    content: 'Paris.',
    finish: 'stop',
    counts: counts({
      prompt: 3520,
      cachedPrompt: 3512,
      promptText: 3520,
      completion: 44,
      completionText: 2,
      reasoning: 42,
      total: 3564,
    }),
  },
  {
    fixture: 'google-search.response.json',
    content: { prefix: '## Weather in San Francisco is Mild and Partly Cloudy\n\n', length: 815 },
    finish: 'stop',
    // toolUsePromptTokenCount 119 (the search results read) is input Google bills: prompt 17 + 119 = 136;
    // total 17 + 201 + 213 + 119 = 550 (docs/decisions/023).
    counts: counts({
      prompt: 136,
      promptText: 136,
      completion: 414,
      completionText: 201,
      reasoning: 213,
      total: 550,
      // The answer came back grounded: one grounded prompt, billed per request.
      groundedRequests: 1,
    }),
  },
  {
    fixture: 'image-input.response.json',
    content: 'That is a potato.',
    finish: 'stop',
    counts: counts({
      prompt: 1817,
      promptText: 11,
      promptImage: 1806,
      completion: 5,
      completionText: 5,
      total: 1822,
    }),
  },
  {
    fixture: 'max-tokens-thinking-empty.response.json',
    content: null,
    finish: 'length',
    counts: counts({ prompt: 15, promptText: 15, completion: 2, reasoning: 2, total: 17 }),
  },
  {
    fixture: 'safety-blocked.response.json',
    content: null,
    finish: 'content_filter',
    counts: counts({ prompt: 14, promptText: 14, total: 14 }),
  },
  {
    fixture: 'prompt-blocked-vertex.response.json',
    content: null,
    finish: 'content_filter',
    counts: counts({}),
  },
];

function assertText(
  actual: string | null | undefined,
  expected: TextExpectation | undefined,
  label: string,
): void {
  if (expected === undefined) return assert.equal(actual, undefined, label);
  if (expected === null || typeof expected === 'string') return assert.equal(actual, expected, label);
  assert.ok(typeof actual === 'string' && actual.startsWith(expected.prefix), `${label} prefix`);
  assert.equal(actual.length, expected.length, `${label} length`);
}

describe('golden: non-streaming fixtures', () => {
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

  for (const golden of GOLDEN) {
    test(golden.fixture, async () => {
      reply = { status: 200, chunks: [fixtureBytes(golden.fixture)] };
      const result = await provider.complete(providerInput({}));
      assert.equal(result.choices.length, 1);
      const choice = result.choices[0] as Choice;
      assert.equal(choice.index, 0);
      assert.equal(choice.message.role, 'assistant');
      assertText(choice.message.content, golden.content, 'content');
      assertText(choice.message.reasoning_content, golden.reasoning, 'reasoning_content');
      assert.equal(choice.finish_reason, golden.finish);
      if (golden.toolCall) {
        const calls = choice.message.tool_calls ?? [];
        assert.equal(calls.length, 1);
        const call = calls[0];
        assert.equal(call?.type, 'function');
        assert.deepEqual(call?.function, {
          name: golden.toolCall.name,
          arguments: golden.toolCall.arguments,
        });
        assert.match(call?.id ?? '', /^call_[0-9A-Za-z]{24}_ts_[A-Za-z0-9_-]+$/);
        assert.equal(
          decodeThoughtSignature(call?.id ?? ''),
          recordedSignature(golden.fixture, golden.toolCall.signaturePart),
        );
      } else {
        assert.equal(choice.message.tool_calls, undefined);
      }
      assert.deepEqual(result.counts, golden.counts);
      assert.equal(result.usageEstimated, false);
    });
  }
});

interface ErrorGolden {
  fixture: string;
  status: number;
  code: string;
  clientStatus: number;
  retryAfter?: number;
  param?: string;
}

const ERROR_GOLDEN: ErrorGolden[] = [
  // A bad key is the operator's problem, not the client's: 502, and the log names the reason.
  {
    fixture: 'error-400-api-key-invalid.response.json',
    status: 400,
    code: 'upstream_failed',
    clientStatus: 502,
  },
  {
    fixture: 'error-403-permission-denied.response.json',
    status: 403,
    code: 'upstream_failed',
    clientStatus: 502,
  },
  {
    fixture: 'error-404-model-not-found.response.json',
    status: 404,
    code: 'model_not_found',
    clientStatus: 404,
    param: 'model',
  },
  {
    fixture: 'error-429-resource-exhausted.response.json',
    status: 429,
    code: 'upstream_rate_limited',
    clientStatus: 429,
    retryAfter: 2,
  },
  { fixture: 'error-500-internal.response.json', status: 500, code: 'upstream_failed', clientStatus: 502 },
  {
    fixture: 'error-503-unavailable.response.json',
    status: 503,
    code: 'upstream_unavailable',
    clientStatus: 503,
    retryAfter: 3,
  },
];

describe('golden: error fixtures', () => {
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

  for (const golden of ERROR_GOLDEN) {
    const check = (error: unknown): boolean => {
      assert.ok(error instanceof UpstreamError);
      assert.equal(error.kind, 'status');
      assert.equal(error.upstreamStatus, golden.status);
      assert.equal(error.clientError.code, golden.code);
      assert.equal(error.clientError.status, golden.clientStatus);
      assert.equal(error.retryAfterSeconds, golden.retryAfter);
      assert.equal(error.clientError.param, golden.param);
      assert.doesNotMatch(error.clientError.message, /https?:\/\//);
      return true;
    };
    test(`${golden.fixture} (generateContent)`, async () => {
      reply = { status: golden.status, chunks: [fixtureBytes(golden.fixture)] };
      await assert.rejects(provider.complete(providerInput({})), check);
    });
    test(`${golden.fixture} (stream, event-stream content type)`, async () => {
      reply = {
        status: golden.status,
        headers: { 'content-type': 'text/event-stream' },
        chunks: [fixtureBytes(golden.fixture)],
      };
      await assert.rejects(provider.stream(providerInput({ stream: true })), check);
    });
  }

  test('the API_KEY_INVALID reason reaches the operator log, not the client', async () => {
    reply = { status: 400, chunks: [fixtureBytes('error-400-api-key-invalid.response.json')] };
    await assert.rejects(provider.complete(providerInput({})), (error: unknown) => {
      assert.ok(error instanceof UpstreamError);
      assert.match(error.message, /API_KEY_INVALID/);
      assert.doesNotMatch(error.clientError.message, /API key/);
      return true;
    });
  });
});

describe('golden: streamed fixtures over HTTP', () => {
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

  /** Serve the recorded bytes verbatim, in 61-byte pieces flushed one by one. */
  function serveSse(fixture: string): void {
    const bytes = fixtureBytes(fixture);
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < bytes.length; offset += 61)
      chunks.push(bytes.subarray(offset, offset + 61));
    reply = { status: 200, headers: { 'content-type': 'text/event-stream' }, chunks };
  }

  test('stream-text.sse', async () => {
    serveSse('stream-text.sse');
    const events = await collect(await provider.stream(providerInput({ stream: true })));
    const choiceEvents = events.filter((event) => event.type === 'choices');
    assert.equal(choiceEvents.length, 3);
    const deltas = choiceEvents.flatMap((event) => event.choices);
    assert.deepEqual(
      deltas.map((choice) => choice.delta.role),
      ['assistant', undefined, undefined],
    );
    assert.equal(
      deltas.map((choice) => choice.delta.content).join(''),
      Array.from({ length: 30 }, (_, index) => index + 1).join('\n'),
    );
    assert.deepEqual(
      deltas.map((choice) => choice.finish_reason),
      [null, null, 'stop'],
    );
    const usage = events.filter((event) => event.type === 'usage');
    assert.equal(usage.length, 3, 'each cumulative report is passed on; the last one wins');
    assert.deepEqual(
      usage.at(-1)?.counts,
      counts({ prompt: 18, promptText: 18, completion: 115, completionText: 80, reasoning: 35, total: 133 }),
    );
  });

  test('stream-thinking.sse', async () => {
    serveSse('stream-thinking.sse');
    const events = await collect(await provider.stream(providerInput({ stream: true })));
    const deltas = events.flatMap((event) => (event.type === 'choices' ? event.choices : []));
    assert.equal(deltas.length, 23);
    assert.equal(deltas.filter((choice) => choice.delta.role === 'assistant').length, 1);
    assert.equal(deltas[0]?.delta.role, 'assistant');
    const reasoning = deltas.map((choice) => choice.delta.reasoning_content ?? '').join('');
    const content = deltas.map((choice) => choice.delta.content ?? '').join('');
    assert.ok(reasoning.startsWith('**Clarifying User Goals**\n\n'));
    assert.equal(reasoning.length, 1575);
    assert.ok(content.startsWith('This is a great question! Safely crossing the stre'));
    assert.ok(content.endsWith('me a driver might not see you.'));
    assert.equal(content.length, 1938);
    // Thoughts come first and never leak into content.
    const firstContent = deltas.findIndex((choice) => choice.delta.content !== undefined);
    assert.equal(firstContent, 4);
    assert.ok(deltas.slice(firstContent).every((choice) => choice.delta.reasoning_content === undefined));
    assert.deepEqual(
      deltas.map((choice) => choice.finish_reason),
      [...Array<null>(22).fill(null), 'stop'],
    );
    const usage = events.filter((event) => event.type === 'usage');
    assert.deepEqual(
      usage.at(-1)?.counts,
      counts({
        prompt: 34,
        promptText: 34,
        completion: 1256,
        completionText: 469,
        reasoning: 787,
        total: 1290,
      }),
    );
  });

  test('stream-function-call.sse', async () => {
    serveSse('stream-function-call.sse');
    const events = await collect(await provider.stream(providerInput({ stream: true })));
    assert.equal(events.length, 3);
    const [first, usage, last] = events;
    assert.equal(first?.type, 'choices');
    const call = first?.type === 'choices' ? first.choices[0]?.delta.tool_calls?.[0] : undefined;
    assert.ok(call?.id);
    assert.deepEqual(first, {
      type: 'choices',
      choices: [
        {
          index: 0,
          delta: {
            role: 'assistant',
            tool_calls: [
              { index: 0, id: call.id, type: 'function', function: { name: 'get_country', arguments: '{}' } },
            ],
          },
          finish_reason: null,
        },
      ],
    });
    const recorded = fixtureBytes('stream-function-call.sse').toString('utf8');
    const signature = /"thoughtSignature": "([^"]+)"/.exec(recorded)?.[1];
    assert.equal(decodeThoughtSignature(call.id), signature);
    assert.deepEqual(usage, {
      type: 'usage',
      counts: counts({
        prompt: 29,
        promptText: 29,
        completion: 212,
        completionText: 10,
        reasoning: 202,
        total: 241,
      }),
    });
    // The final `{"text":""}` part adds nothing; the finish reason is tool_calls because a call was seen.
    assert.deepEqual(last, {
      type: 'choices',
      choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls', native_finish_reason: 'STOP' }],
    });
  });
});
