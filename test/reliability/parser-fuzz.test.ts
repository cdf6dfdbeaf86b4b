/**
 * RELIABILITY B2-B5 as properties (fast-check): the sliced JSON parser gives exactly `JSON.parse`'s
 * answer on any JSON text, and on any mangled text either the same value or a 400 (never another
 * error); the request validator answers any JSON value with a result or a 400 naming a field. Bounded
 * for CI; `npm run test:reliability:long` (PORTICO_RELIABILITY_LONG=1) runs a hundred times more cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PorticoError } from '../../src/errors.ts';
import { MAX_JSON_DEPTH } from '../../src/http/json-body.ts';
import { parseJsonIncrementally } from '../../src/http/json-incremental.ts';
import { validateChatRequest } from '../../src/pipeline/validate-request.ts';

const LONG = process.env.PORTICO_RELIABILITY_LONG === '1';
const RUNS = LONG ? 20_000 : 200;

/** Tiny slices, so even small inputs go through the splitting and yielding paths. */
const OPTIONS = { sliceBytes: 8, yieldEveryBytes: 64, maxDepth: MAX_JSON_DEPTH };

function is400(error: unknown): boolean {
  return error instanceof PorticoError && error.status === 400;
}

async function sliced(text: string): Promise<{ value: unknown } | { error: unknown }> {
  try {
    return { value: await parseJsonIncrementally(Buffer.from(text), OPTIONS) };
  } catch (error) {
    return { error };
  }
}

test('on any JSON text the sliced parser equals JSON.parse (duplicate keys, __proto__, escapes)', async () => {
  const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'a', 'model'));
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.jsonValue({ maxDepth: 2 }),
      fc.array(tie('node'), { maxLength: 5 }),
      fc.array(fc.tuple(key, tie('node')), { maxLength: 5 }),
    ),
  })).node;
  const render = (node: unknown): string =>
    Array.isArray(node) &&
    node.every((entry) => Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string')
      ? `{${node.map(([name, child]) => `${JSON.stringify(name)} : ${render(child)}`).join(' ,')}}`
      : Array.isArray(node)
        ? `[ ${node.map(render).join(',')} ]`
        : JSON.stringify(node);
  await fc.assert(
    fc.asyncProperty(value, async (node) => {
      const text = render(node);
      const result = await sliced(text);
      assert.ok(
        'value' in result,
        `refused valid JSON ${text}: ${String((result as { error: unknown }).error)}`,
      );
      assert.deepEqual(result.value, JSON.parse(text));
    }),
    { numRuns: RUNS },
  );
});

test('on mangled text the sliced parser agrees with JSON.parse or answers a 400, never another error', async () => {
  const base = fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value));
  const mangled = fc
    .tuple(
      base,
      fc.nat(),
      fc.constantFrom('', ',', '}', ']', '"', '\\', '{', '[', ':', 'x', '\u0000'),
      fc.nat(3),
    )
    .map(([text, at, insert, cut]) => {
      const position = text.length === 0 ? 0 : at % text.length;
      return text.slice(0, position) + insert + text.slice(position + cut);
    });
  await fc.assert(
    fc.asyncProperty(mangled, async (text) => {
      let expected: unknown;
      let valid = true;
      try {
        expected = JSON.parse(text);
      } catch {
        valid = false;
      }
      const result = await sliced(text);
      if ('error' in result) {
        assert.ok(is400(result.error), `not a 400 for ${JSON.stringify(text)}: ${String(result.error)}`);
        assert.equal(valid, false, `refused valid JSON ${JSON.stringify(text)}`);
      } else {
        assert.equal(valid, true, `accepted invalid JSON ${JSON.stringify(text)}`);
        assert.deepEqual(result.value, expected);
      }
    }),
    { numRuns: RUNS * 5 },
  );
});

test('nesting past the limit is a 400 at any depth and in any container mix', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.boolean(), { minLength: MAX_JSON_DEPTH + 1, maxLength: 400 }),
      async (kinds) => {
        const open = kinds.map((isArray) => (isArray ? '[' : '{"a":')).join('');
        const close = [...kinds]
          .reverse()
          .map((isArray) => (isArray ? ']' : '}'))
          .join('');
        const result = await sliced(`${open}1${close}`);
        assert.ok('error' in result && is400(result.error));
      },
    ),
    { numRuns: RUNS },
  );
});

test('the request validator answers any JSON value with a request or a 400', () => {
  const message = fc.record(
    {
      role: fc.constantFrom('user', 'system', 'assistant', 'tool', 'developer', 'wizard'),
      content: fc.oneof(
        fc.string(),
        fc.array(
          fc.record(
            {
              type: fc.constantFrom('text', 'image_url', 'input_audio', 'file', 'video'),
              text: fc.jsonValue({ maxDepth: 1 }),
              image_url: fc.record({ url: fc.string(), detail: fc.constantFrom('auto', 'low', 'x') }),
            },
            { requiredKeys: ['type'] },
          ),
          { maxLength: 4 },
        ),
        fc.jsonValue({ maxDepth: 2 }),
      ),
      tool_call_id: fc.string(),
    },
    { requiredKeys: ['role'] },
  );
  const request = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record(
      {
        model: fc.oneof(fc.string(), fc.integer()),
        messages: fc.oneof(fc.array(message, { maxLength: 6 }), fc.jsonValue({ maxDepth: 1 })),
        temperature: fc.jsonValue({ maxDepth: 0 }),
        max_tokens: fc.oneof(fc.integer(), fc.string(), fc.double()),
        stream: fc.jsonValue({ maxDepth: 0 }),
      },
      { requiredKeys: [] },
    ),
  );
  fc.assert(
    fc.property(request, (body) => {
      try {
        validateChatRequest(body);
      } catch (error) {
        assert.ok(is400(error), `not a 400: ${String(error)}`);
        const param = (error as PorticoError).param;
        if (param !== undefined) assert.match(param, /^[a-z_]+(\[\d+\]|\.[a-z_]+)*$/);
      }
    }),
    { numRuns: RUNS * 5 },
  );
});
