/**
 * The simulator honours the Gemini features it is asked for: JSON valid against the schema (checked
 * with ajv, on hand-written schemas and on what zod generates), tool-call arguments valid against the
 * tool's schema, grounding metadata with UTF-8 byte offsets, code execution parts, an image part for
 * image models, PCM speech for TTS models, logprobs when asked; over real HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { schemaInstance } from '../../../src/simulator/schema-instance.ts';
import { startSimulator, type Simulator } from '../../../src/simulator/index.ts';
import { post, sseData } from './helpers.ts';

const ajv = new Ajv2020({ strict: false, allErrors: true });

function assertValid(schema: object, value: unknown): void {
  const validate = ajv.compile(schema);
  assert.ok(validate(value), `${JSON.stringify(value)}: ${ajv.errorsText(validate.errors)}`);
}

const SCHEMAS: Array<[string, object]> = [
  [
    'nested objects, arrays, enums, required, nullable, formats, bounds',
    {
      type: 'object',
      properties: {
        id: { type: 'string', format: 'uuid' },
        when: { type: 'string', format: 'date-time' },
        kind: { type: 'string', enum: ['a', 'b'] },
        count: { type: 'integer', minimum: 3, maximum: 9 },
        ratio: { type: 'number', exclusiveMinimum: 0 },
        tags: { type: 'array', items: { type: 'string', minLength: 12 }, minItems: 2 },
        owner: {
          type: 'object',
          properties: { name: { type: 'string' }, email: { type: 'string', format: 'email' } },
          required: ['name', 'email'],
          additionalProperties: false,
        },
        note: { type: ['string', 'null'] },
        fixed: { const: 7 },
      },
      required: ['id', 'kind', 'count', 'tags', 'owner'],
      additionalProperties: false,
    },
  ],
  [
    '$ref into $defs, anyOf with null, recursion',
    {
      type: 'object',
      $defs: {
        node: {
          type: 'object',
          properties: {
            value: { type: 'integer' },
            children: { type: 'array', items: { $ref: '#/$defs/node' } },
          },
          required: ['value', 'children'],
        },
      },
      properties: {
        root: { $ref: '#/$defs/node' },
        parent: { anyOf: [{ $ref: '#/$defs/node' }, { type: 'null' }] },
      },
      required: ['root', 'parent'],
    },
  ],
  [
    'zod: discriminated union, optional, nullable, records of arrays',
    z.toJSONSchema(
      z.object({
        shape: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('circle'), radius: z.number().positive() }),
          z.object({ kind: z.literal('square'), side: z.number() }),
        ]),
        label: z.string().min(3).optional(),
        score: z.number().int().min(1).max(5).nullable(),
        items: z.array(z.object({ sku: z.string(), qty: z.number().int().nonnegative() })).min(1),
      }),
    ),
  ],
];

describe('schemaInstance', () => {
  for (const [label, schema] of SCHEMAS) {
    test(label, () => assertValid(schema, schemaInstance(schema)));
  }
});

let simulator: Simulator;
before(async () => {
  simulator = await startSimulator({ port: 0 });
});
after(async () => simulator.close());

const generate = (model: string, body: object, stream = false) =>
  post(
    simulator,
    `/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    body,
  );

const ask = (text: string) => [{ role: 'user', parts: [{ text }] }];

describe('Gemini features over HTTP', () => {
  test('responseJsonSchema: the answer text is JSON valid against it (JSON and stream)', async () => {
    const schema = SCHEMAS[0]?.[1] as object;
    const generationConfig = { responseMimeType: 'application/json', responseJsonSchema: schema };
    const reply = await generate('gemini-2.5-flash', { contents: ask('Fill it in'), generationConfig });
    assertValid(schema, JSON.parse(reply.json.candidates[0].content.parts[0].text));
    const streamed = await generate(
      'gemini-2.5-flash',
      { contents: ask('Fill it in'), generationConfig },
      true,
    );
    const text = sseData(streamed.text)
      .map((data) => JSON.parse(data).candidates[0].content?.parts?.[0]?.text ?? '')
      .join('');
    assertValid(schema, JSON.parse(text));
  });

  test('tool-call arguments validate against the declared parameters', async () => {
    const parameters = SCHEMAS[1]?.[1] as object;
    const reply = await generate('gemini-2.5-flash', {
      contents: ask('Call it'),
      tools: [{ functionDeclarations: [{ name: 'tree', parametersJsonSchema: parameters }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
    });
    const call = reply.json.candidates[0].content.parts[0].functionCall;
    assert.equal(call.name, 'tree');
    assertValid(parameters, call.args);
  });

  test('googleSearch: grounding metadata whose byte offsets cover the answer', async () => {
    const reply = await generate('gemini-2.5-flash', {
      contents: ask('News, please'),
      tools: [{ googleSearch: {} }],
    });
    const candidate = reply.json.candidates[0];
    const text: string = candidate.content.parts[0].text;
    const metadata = candidate.groundingMetadata;
    assert.deepEqual(metadata.webSearchQueries, ['News, please']);
    assert.equal(metadata.groundingChunks.length, 2);
    assert.deepEqual(metadata.groundingSupports[0].segment, {
      startIndex: 0,
      endIndex: Buffer.byteLength(text),
      text,
    });
  });

  test('codeExecution: code and its result precede the answer', async () => {
    const reply = await generate('gemini-2.5-flash', {
      contents: ask('Sum it'),
      tools: [{ codeExecution: {} }],
    });
    const parts = reply.json.candidates[0].content.parts;
    assert.equal(parts[0].executableCode.language, 'PYTHON');
    assert.equal(parts[1].codeExecutionResult.outcome, 'OUTCOME_OK');
    assert.equal(typeof parts[2].text, 'string');
  });

  test('image model: a PNG part and IMAGE output tokens in usage', async () => {
    const reply = await generate('gemini-2.5-flash-image', {
      contents: ask('Draw'),
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'] },
    });
    const parts = reply.json.candidates[0].content.parts;
    const image = parts.find((part: any) => part.inlineData);
    assert.equal(image.inlineData.mimeType, 'image/png');
    assert.equal(Buffer.from(image.inlineData.data, 'base64').subarray(1, 4).toString('ascii'), 'PNG');
    const usage = reply.json.usageMetadata;
    const details = Object.fromEntries(
      usage.candidatesTokensDetails.map((entry: any) => [entry.modality, entry.tokenCount]),
    );
    assert.equal(details.IMAGE, 1290);
    assert.equal(details.TEXT + details.IMAGE, usage.candidatesTokenCount);
  });

  test('TTS model: PCM audio instead of text, AUDIO tokens in usage', async () => {
    const reply = await generate('gemini-2.5-flash-preview-tts', { contents: ask('Say hello') });
    const part = reply.json.candidates[0].content.parts[0];
    assert.equal(part.inlineData.mimeType, 'audio/L16;codec=pcm;rate=24000');
    assert.ok(Buffer.from(part.inlineData.data, 'base64').length > 0);
    assert.equal(reply.json.usageMetadata.candidatesTokensDetails[0].modality, 'AUDIO');
  });

  test('responseLogprobs: one chosen candidate per token, k top candidates', async () => {
    const reply = await generate('gemini-2.5-flash', {
      contents: ask('Talk'),
      generationConfig: { responseLogprobs: true, logprobs: 3 },
    });
    const candidate = reply.json.candidates[0];
    const { chosenCandidates, topCandidates } = candidate.logprobsResult;
    assert.equal(chosenCandidates.map((entry: any) => entry.token).join(''), candidate.content.parts[0].text);
    assert.equal(topCandidates.length, chosenCandidates.length);
    for (const step of topCandidates) assert.equal(step.candidates.length, 3);
    const plain = await generate('gemini-2.5-flash', { contents: ask('Talk') });
    assert.equal(plain.json.candidates[0].logprobsResult, undefined);
  });
});
