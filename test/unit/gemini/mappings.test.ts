/**
 * The exhaustive mappings on their own: finish reasons, usage, error bodies, tool-call ids.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { convertResponse } from '../../../src/providers/gemini/convert-response.ts';
import { convertUsage } from '../../../src/providers/gemini/convert-usage.ts';
import { geminiErrorFromResponse, retryAfterFromError } from '../../../src/providers/gemini/errors.ts';
import { GEMINI_FINISH_REASONS, mapFinishReason } from '../../../src/providers/gemini/map-finish-reason.ts';
import { toGeminiResponse } from '../../../src/providers/gemini/parse-response.ts';
import { decodeThoughtSignature, encodeToolCallId } from '../../../src/providers/gemini/tool-call-id.ts';
import { UpstreamError } from '../../../src/providers/shared/upstream-error.ts';

describe('mapFinishReason', () => {
  const expected: Record<(typeof GEMINI_FINISH_REASONS)[number], string> = {
    STOP: 'stop',
    MAX_TOKENS: 'length',
    SAFETY: 'content_filter',
    RECITATION: 'content_filter',
    LANGUAGE: 'content_filter',
    OTHER: 'stop',
    FINISH_REASON_UNSPECIFIED: 'stop',
    BLOCKLIST: 'content_filter',
    PROHIBITED_CONTENT: 'content_filter',
    SPII: 'content_filter',
    MALFORMED_FUNCTION_CALL: 'stop',
    IMAGE_SAFETY: 'content_filter',
    IMAGE_PROHIBITED_CONTENT: 'content_filter',
    IMAGE_RECITATION: 'content_filter',
    IMAGE_OTHER: 'stop',
    NO_IMAGE: 'stop',
    UNEXPECTED_TOOL_CALL: 'stop',
    TOO_MANY_TOOL_CALLS: 'stop',
  };

  test('the table covers exactly the known reasons', () => {
    assert.deepEqual(Object.keys(expected).sort(), [...GEMINI_FINISH_REASONS].sort());
  });

  for (const reason of GEMINI_FINISH_REASONS) {
    test(reason, () => {
      const base = expected[reason];
      assert.equal(mapFinishReason(reason, false), base);
      // A call the client must answer wins over stop; length and content_filter keep saying why.
      assert.equal(mapFinishReason(reason, true), base === 'stop' ? 'tool_calls' : base);
    });
  }

  test('unknown and missing reasons are stop (tool_calls with calls)', () => {
    assert.equal(mapFinishReason('SOMETHING_NEW', false), 'stop');
    assert.equal(mapFinishReason('SOMETHING_NEW', true), 'tool_calls');
    assert.equal(mapFinishReason(undefined, false), 'stop');
  });
});

describe('convertUsage', () => {
  test('missing usage is all zeros', () => {
    assert.deepEqual(convertUsage(undefined), {
      prompt: 0,
      cachedPrompt: 0,
      promptText: 0,
      promptAudio: 0,
      promptImage: 0,
      completion: 0,
      completionText: 0,
      completionAudio: 0,
      reasoning: 0,
      total: 0,
    });
  });

  test('candidates that already include thoughts (P + C == TOT) are not counted twice', () => {
    const counts = convertUsage({
      promptTokenCount: 10,
      candidatesTokenCount: 50,
      thoughtsTokenCount: 30,
      totalTokenCount: 60,
    });
    assert.equal(counts.completion, 50);
    assert.equal(counts.reasoning, 30);
    assert.equal(counts.completionText, 20);
    assert.equal(counts.total, 60);
  });

  test('modalities: DOCUMENT is text, VIDEO is image, AUDIO is audio; output image/audio leave text', () => {
    const counts = convertUsage({
      promptTokenCount: 100,
      candidatesTokenCount: 40,
      totalTokenCount: 140,
      promptTokensDetails: [
        { modality: 'TEXT', tokenCount: 10 },
        { modality: 'DOCUMENT', tokenCount: 20 },
        { modality: 'IMAGE', tokenCount: 30 },
        { modality: 'VIDEO', tokenCount: 25 },
        { modality: 'AUDIO', tokenCount: 15 },
      ],
      candidatesTokensDetails: [
        { modality: 'AUDIO', tokenCount: 30 },
        { modality: 'TEXT', tokenCount: 10 },
      ],
    });
    assert.equal(counts.promptText, 30);
    assert.equal(counts.promptImage, 55);
    assert.equal(counts.promptAudio, 15);
    assert.equal(counts.completionAudio, 30);
    assert.equal(counts.completionText, 10);
  });

  test('a missing total is P + C + T + U', () => {
    const counts = convertUsage({
      promptTokenCount: 17,
      candidatesTokenCount: 201,
      thoughtsTokenCount: 213,
      toolUsePromptTokenCount: 119,
    });
    assert.equal(counts.total, 550);
    assert.equal(counts.completion, 414);
  });
});

describe('Gemini error bodies', () => {
  const body = (error: object) => JSON.stringify({ error });

  test('retry hint: RetryInfo first, then the message text, then Retry-After', () => {
    assert.equal(
      retryAfterFromError({
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2.2s' }],
      }),
      3,
    );
    assert.equal(retryAfterFromError({ message: 'Quota exceeded. Please retry in 2.006230783s.' }), 3);
    const fromHeader = geminiErrorFromResponse(
      429,
      body({ code: 429, status: 'RESOURCE_EXHAUSTED', message: 'slow down' }),
      {
        'retry-after': '7',
      },
    );
    assert.equal(fromHeader.retryAfterSeconds, 7);
    assert.equal(fromHeader.clientError.headers?.['retry-after'], '7');
  });

  test('other 400s are the client 400 with a sanitized upstream message', () => {
    const error = geminiErrorFromResponse(
      400,
      body({
        code: 400,
        status: 'INVALID_ARGUMENT',
        message: 'Bad thing, see https://example.com/x key AIzaSyA1234567890123456789012345',
      }),
      {},
    );
    assert.equal(error.clientError.code, 'invalid_request');
    assert.equal(error.clientError.message, 'Bad thing, see [url] key [redacted]');
    const location = geminiErrorFromResponse(
      400,
      body({
        code: 400,
        status: 'FAILED_PRECONDITION',
        message: 'User location is not supported for the API use.',
      }),
      {},
    );
    assert.equal(location.clientError.code, 'invalid_request');
  });

  test('401 and 403 are 502 for the client', () => {
    for (const status of [401, 403]) {
      const error = geminiErrorFromResponse(
        status,
        body({ code: status, status: 'PERMISSION_DENIED', message: 'no' }),
        {},
      );
      assert.equal(error.clientError.status, 502);
    }
  });

  test('504 is upstream_timeout; the compat array form is unwrapped; a non-JSON body still maps by status', () => {
    assert.equal(
      geminiErrorFromResponse(504, body({ code: 504, status: 'DEADLINE_EXCEEDED' }), {}).clientError.code,
      'upstream_timeout',
    );
    const array = JSON.stringify([
      { error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'Please retry in 4s.' } },
    ]);
    const fromArray = geminiErrorFromResponse(429, array, {});
    assert.equal(fromArray.clientError.code, 'upstream_rate_limited');
    assert.equal(fromArray.retryAfterSeconds, 4);
    const html = geminiErrorFromResponse(502, '<html>bad gateway</html>', {});
    assert.ok(html instanceof UpstreamError);
    assert.equal(html.kind, 'status');
    assert.equal(html.clientError.code, 'upstream_failed');
  });
});

describe('response parsing', () => {
  test('a non-object body is a protocol error', () => {
    for (const value of [null, 3, 'x', []]) {
      assert.throws(
        () => toGeminiResponse(value),
        (error: unknown) => error instanceof UpstreamError && error.kind === 'protocol',
      );
    }
  });

  test('mistyped fields are ignored, not trusted', () => {
    const response = toGeminiResponse({
      candidates: [
        {
          content: {
            parts: [{ text: 5 }, { text: 'ok', thought: 'yes' }, 'junk', { functionCall: { name: 3 } }],
          },
          index: -1,
        },
        'junk',
      ],
      usageMetadata: { promptTokenCount: '12', candidatesTokenCount: 2.5, totalTokenCount: 9 },
    });
    const converted = convertResponse(response);
    assert.deepEqual(converted.choices, [
      { index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' },
    ]);
    assert.equal(converted.counts.prompt, 0);
    assert.equal(converted.counts.total, 9);
  });

  test('candidates are ordered by their index; parallel calls are separate tool calls', () => {
    const converted = convertResponse(
      toGeminiResponse({
        candidates: [
          { index: 1, content: { parts: [{ text: 'b' }] }, finishReason: 'STOP' },
          {
            index: 0,
            content: {
              parts: [{ functionCall: { name: 'f', args: { a: 1 } } }, { functionCall: { name: 'g' } }],
            },
            finishReason: 'STOP',
          },
        ],
      }),
    );
    assert.deepEqual(
      converted.choices.map((choice) => [
        choice.index,
        choice.finish_reason,
        choice.message.tool_calls?.length,
      ]),
      [
        [0, 'tool_calls', 2],
        [1, 'stop', undefined],
      ],
    );
    assert.deepEqual(
      converted.choices[0]?.message.tool_calls?.map((call) => call.function),
      [
        { name: 'f', arguments: '{"a":1}' },
        { name: 'g', arguments: '{}' },
      ],
    );
  });
});

describe('tool-call ids', () => {
  test('without a signature: call_ + 24 base62', () => {
    assert.match(encodeToolCallId(), /^call_[0-9A-Za-z]{24}$/);
    assert.equal(decodeThoughtSignature(encodeToolCallId()), undefined);
    assert.notEqual(encodeToolCallId(), encodeToolCallId());
  });

  test('canonical base64 signatures round-trip and use only [A-Za-z0-9_-]', () => {
    for (const signature of [
      'CpYEAXLI2nx+Hh/3Fw==',
      'AQID',
      'AAE=',
      Buffer.alloc(600, 0xfb).toString('base64'),
    ]) {
      const id = encodeToolCallId(signature);
      assert.match(id, /^call_[0-9A-Za-z]{24}_ts_[A-Za-z0-9_-]+$/);
      assert.equal(decodeThoughtSignature(id), signature);
    }
  });

  test('any other signature string round-trips too', () => {
    for (const signature of ['skip_thought_signature_validator', 'AAE', 'ü+/']) {
      const id = encodeToolCallId(signature);
      assert.match(id, /^call_[0-9A-Za-z]{24}_tu_[A-Za-z0-9_-]+$/);
      assert.equal(decodeThoughtSignature(id), signature);
    }
  });

  test('foreign ids carry nothing', () => {
    for (const id of ['call_abc', 'toolu_01', '', 'call_' + 'a'.repeat(24) + '_ts_', 'call_x_ts_AAAA']) {
      assert.equal(decodeThoughtSignature(id), undefined);
    }
  });
});
