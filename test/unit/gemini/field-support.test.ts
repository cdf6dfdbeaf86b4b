/**
 * No silent drops: docs/gemini-fields.md against `GEMINI_FIELDS` both ways, every request-schema field
 * with a decision, and the refusals / the `drop_unsupported_params` switch per field and capability.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ChatCompletionRequest } from '../../../src/openai/request.ts';
import { checkFields, GEMINI_FIELDS } from '../../../src/providers/gemini/field-support.ts';
import { capabilitiesOf } from '../../../src/providers/gemini/model-capabilities.ts';
import type { ModelTraits } from '../../../src/providers/provider.ts';
import { UpstreamError } from '../../../src/providers/shared/upstream-error.ts';

const page = readFileSync(new URL('../../../docs/gemini-fields.md', import.meta.url), 'utf8');

function documentedRows(): Map<string, { handling: string; gemini: string }> {
  const rows = new Map<string, { handling: string; gemini: string }>();
  for (const line of page.split('\n')) {
    const match = /^\| `([a-z_]+)` \| (translated|accepted|capability|refused) \| (.*) \|$/.exec(line);
    if (match) rows.set(match[1] as string, { handling: match[2] as string, gemini: match[3] as string });
  }
  return rows;
}

describe('docs/gemini-fields.md', () => {
  test('every row of the code is documented with the same handling and text', () => {
    const rows = documentedRows();
    for (const [field, row] of Object.entries(GEMINI_FIELDS)) {
      const documented = rows.get(field);
      assert.ok(documented, `docs/gemini-fields.md lacks ${field}`);
      assert.equal(documented.handling, row.handling, field);
      assert.equal(documented.gemini, row.gemini, field);
    }
  });

  test('every documented field is in the code', () => {
    const rows = documentedRows();
    assert.ok(rows.size >= 30, 'the table parses');
    for (const field of rows.keys()) assert.ok(field in GEMINI_FIELDS, `field-support.ts lacks ${field}`);
  });

  test('every field of the request schema has a decision', () => {
    for (const field of Object.keys(ChatCompletionRequest.properties)) {
      assert.ok(field in GEMINI_FIELDS, `${field} is accepted by the schema but has no Gemini decision`);
    }
  });
});

const base = { model: 'm', messages: [{ role: 'user' as const, content: 'Hi' }] };

function check(extra: Partial<ChatCompletionRequest>, traits: ModelTraits = {}, model = 'gemini-2.5-flash') {
  const full: ModelTraits = { thinking: 'budget', ...traits };
  return checkFields({ ...base, ...extra }, capabilitiesOf(full, model), full, model);
}

function refusedWith(param: string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof UpstreamError, String(error));
    assert.equal(error.clientError.status, 400);
    assert.equal(error.clientError.param, param);
    return true;
  };
}

describe('checkFields', () => {
  const refusals: Array<[string, Partial<ChatCompletionRequest>, string?]> = [
    ['parallel_tool_calls', { parallel_tool_calls: false }],
    ['prediction', { prediction: { type: 'content', content: 'x' } }],
    ['verbosity', { verbosity: 'low' }],
    ['logit_bias', { logit_bias: { '50256': -100 } }],
    ['store', { store: true }],
    ['prompt_cache_retention', { prompt_cache_retention: '24h' }],
    ['functions', { functions: [{ name: 'f' }] }],
    ['function_call', { function_call: 'auto' }],
    ['service_tier', { service_tier: 'scale' }],
    ['modalities', { modalities: ['text', 'image'] }],
    ['audio', { audio: { voice: 'kore', format: 'pcm16' } }],
    ['logprobs', { logprobs: true }, 'gemini-3-flash'],
    [
      'tools[1]',
      { tools: [{ type: 'function', function: { name: 'f' } }, { type: 'google_search' }] },
      'gemini-2.5-flash-image',
    ],
    [
      'web_search_options.user_location',
      { web_search_options: { user_location: { type: 'approximate', approximate: { city: 'Oslo' } } } },
    ],
    ['web_search_options.search_context_size', { web_search_options: { search_context_size: 'high' } }],
  ];
  for (const [param, extra, model] of refusals) {
    test(`${param}: refused with a 400 naming it, dropped under the switch`, () => {
      assert.throws(() => check(extra, {}, model), refusedWith(param));
      const { request, dropped } = check(extra, { dropUnsupportedParams: true }, model);
      assert.deepEqual(dropped, [param]);
      assert.notDeepEqual(request, { ...base, ...extra });
    });
  }

  test('what the model can do passes untouched', () => {
    const extra: Partial<ChatCompletionRequest> = {
      parallel_tool_calls: true,
      store: false,
      service_tier: 'flex',
      logprobs: true,
      top_logprobs: 3,
      top_k: 40,
      web_search_options: { search_context_size: 'medium' },
      tools: [{ type: 'google_search' }, { type: 'code_execution' }],
      stream_options: { include_usage: true, include_obfuscation: true },
    };
    const { request, dropped } = check(extra);
    assert.deepEqual(dropped, []);
    assert.deepEqual(request, { ...base, ...extra });
    const image = check({ modalities: ['text', 'image'] }, {}, 'gemini-2.5-flash-image');
    assert.deepEqual(image.dropped, []);
    const speech = check(
      { modalities: ['audio'], audio: { voice: 'kore', format: 'wav' } },
      {},
      'gemini-2.5-flash-preview-tts',
    );
    assert.deepEqual(speech.dropped, []);
  });

  test('under the switch only the unsupported modality is dropped', () => {
    const { request } = check({ modalities: ['text', 'image'] }, { dropUnsupportedParams: true });
    assert.deepEqual(request.modalities, ['text']);
  });

  test('a model without thinking refuses effort and thinking, but not "none" / disabled', () => {
    assert.throws(
      () => check({ reasoning_effort: 'low' }, { thinking: 'none' }),
      refusedWith('reasoning_effort'),
    );
    assert.throws(
      () => check({ thinking: { type: 'enabled', budget_tokens: 1024 } }, { thinking: 'none' }),
      refusedWith('thinking'),
    );
    assert.deepEqual(
      check({ reasoning_effort: 'none', thinking: { type: 'disabled' } }, { thinking: 'none' }).dropped,
      [],
    );
  });
});
