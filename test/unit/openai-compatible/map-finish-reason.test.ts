import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapFinishReason } from '../../../src/providers/openai-compatible/map-finish-reason.ts';

test('finish reasons normalize onto the OpenAI set', () => {
  const cases: Array<[unknown, string | null]> = [
    ['stop', 'stop'],
    ['STOP', 'stop'],
    ['eos', 'stop'],
    ['length', 'length'],
    ['max_tokens', 'length'],
    ['content_filter', 'content_filter'],
    ['SAFETY', 'content_filter'],
    ['tool_calls', 'tool_calls'],
    ['function_call', 'tool_calls'],
    ['something_new', 'stop'],
    [null, null],
    [undefined, null],
    ['', null],
    [3, null],
  ];
  for (const [raw, expected] of cases) assert.equal(mapFinishReason(raw), expected, String(raw));
});
