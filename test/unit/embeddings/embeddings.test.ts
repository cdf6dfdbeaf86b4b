/**
 * The embedding pieces that need no server: the doors' decoders (what they accept and the field each
 * refusal names), the base64 encoding the `openai` SDK decodes, the byte bound, and the simulator's
 * deterministic unit vectors.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PorticoError } from '../../../src/errors.ts';
import { decodeOpenAIEmbedding } from '../../../src/doors/embeddings/openai-embeddings.ts';
import { decodeBatchEmbedContents, decodeEmbedContent } from '../../../src/doors/embeddings/gemini-embed.ts';
import { float32Base64 } from '../../../src/doors/embeddings/vectors.ts';
import { embeddingCanonical, embeddingPromptBound } from '../../../src/pipeline/embedding.ts';
import { unitVector } from '../../../src/simulator/embeddings.ts';
import { embedCalls, parseEmbedAnswer } from '../../../src/providers/gemini/embed.ts';
import { UpstreamError } from '../../../src/providers/shared/upstream-error.ts';
import { embeddingsBody, parseEmbeddings } from '../../../src/providers/openai-compatible/embed.ts';

function refusal(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof PorticoError, String(error));
    assert.equal(error.status, 400);
    return error.param;
  }
  assert.fail('expected a 400');
}

describe('the OpenAI embeddings decoder', () => {
  test('a string is one input, an array a batch; options kept', () => {
    assert.deepEqual(decodeOpenAIEmbedding({ model: 'm', input: 'hello' }), {
      model: 'm',
      inputs: [{ parts: ['hello'] }],
      encoding: 'float',
      batch: false,
    });
    assert.deepEqual(
      decodeOpenAIEmbedding({
        model: 'm',
        input: ['a', 'b'],
        dimensions: 8,
        encoding_format: 'base64',
        user: 'u',
      }),
      {
        model: 'm',
        inputs: [{ parts: ['a'] }, { parts: ['b'] }],
        dimensions: 8,
        encoding: 'base64',
        batch: true,
        user: 'u',
      },
    );
  });

  test('refusals name the field', () => {
    assert.equal(
      refusal(() => decodeOpenAIEmbedding({ model: 'm', input: [1, 2] })),
      'input',
    );
    assert.equal(
      refusal(() => decodeOpenAIEmbedding({ model: 'm', input: [[1], [2]] })),
      'input',
    );
    assert.equal(
      refusal(() => decodeOpenAIEmbedding({ model: 'm', input: ['a', 3] })),
      'input',
    );
    assert.equal(
      refusal(() => decodeOpenAIEmbedding({ model: 'm', input: Array(2049).fill('a') })),
      'input',
    );
    assert.equal(
      refusal(() => decodeOpenAIEmbedding({ input: 'a' })),
      'model',
    );
    assert.equal(
      refusal(() => decodeOpenAIEmbedding({ model: 'm', input: 'a', dimensions: 1.5 })),
      'dimensions',
    );
    assert.equal(
      refusal(() => decodeOpenAIEmbedding({ model: 'm', input: 'a', user: 1 })),
      'user',
    );
    assert.equal(
      refusal(() => decodeOpenAIEmbedding({ model: 'm', input: 'a', extra: 1 })),
      'extra',
    );
    assert.equal(
      refusal(() => decodeOpenAIEmbedding('text')),
      'body',
    );
  });
});

describe('the Gemini embed decoders', () => {
  test(':embedContent reads camelCase or snake_case, the URL model only', () => {
    assert.deepEqual(
      decodeEmbedContent(
        {
          model: 'models/gemini-embedding-001',
          content: { role: 'user', parts: [{ text: 'a' }, { text: 'b' }] },
          task_type: 'RETRIEVAL_DOCUMENT',
          title: 'T',
          outputDimensionality: 768,
        },
        'gemini-embedding-001',
      ),
      {
        model: 'gemini-embedding-001',
        inputs: [{ parts: ['a', 'b'], taskType: 'RETRIEVAL_DOCUMENT', title: 'T' }],
        dimensions: 768,
        encoding: 'float',
        batch: false,
      },
    );
    const param = refusal(() =>
      decodeEmbedContent({ content: { parts: [{ text: 'a' }] }, taskType: 'x', task_type: 'y' }, 'g'),
    );
    assert.equal(param, 'task_type');
    assert.equal(
      refusal(() => decodeEmbedContent({ content: { parts: [{ text: 'a' }], role: 'model' } }, 'g')),
      'content.role',
    );
    assert.equal(
      refusal(() => decodeEmbedContent({ content: { parts: [{ fileData: { fileUri: 'x' } }] } }, 'g')),
      'content.parts[0].fileData',
    );
  });

  test(':batchEmbedContents: each entry one input; dimensions must agree', () => {
    const request = decodeBatchEmbedContents(
      {
        requests: [
          { content: { parts: [{ text: 'a' }] } },
          { model: 'g', content: { parts: [{ text: 'b' }] } },
        ],
      },
      'g',
    );
    assert.equal(request.batch, true);
    assert.deepEqual(request.inputs, [{ parts: ['a'] }, { parts: ['b'] }]);
    assert.equal(
      refusal(() =>
        decodeBatchEmbedContents(
          {
            requests: [
              { content: { parts: [{ text: 'a' }] }, outputDimensionality: 8 },
              { content: { parts: [{ text: 'b' }] } },
            ],
          },
          'g',
        ),
      ),
      'requests[1].outputDimensionality',
    );
  });
});

describe('bounds, encodings and upstream calls', () => {
  test('the prompt bound is the UTF-8 bytes of every text and title', () => {
    const request = decodeEmbedContent(
      { content: { parts: [{ text: 'é' }, { text: 'ab' }] }, title: '✓' },
      'g',
    );
    assert.equal(embeddingPromptBound(request), 2 + 2 + 3);
    assert.deepEqual(embeddingCanonical(request).messages, [{ role: 'user', content: '✓\né\nab' }]);
  });

  test('base64 is little-endian float32, as the openai SDK decodes it', () => {
    const values = [0.5, -1.25, 3.1415927];
    const bytes = Buffer.from(float32Base64(values), 'base64');
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
    assert.deepEqual(
      decoded,
      values.map((value) => Math.fround(value)),
    );
    assert.equal(bytes.readUInt32LE(0), 0x3f000000, '0.5 in little-endian order');
  });

  test('the simulator: the same seed gives the same unit vector, another seed another', () => {
    const a = unitVector('hello', 64);
    assert.deepEqual(unitVector('hello', 64), a);
    assert.notDeepEqual(unitVector('hullo', 64), a);
    assert.ok(Math.abs(Math.sqrt(a.reduce((sum, value) => sum + value * value, 0)) - 1) < 1e-12);
  });

  test('Gemini: one input to :embedContent, a batch in slices of 100', () => {
    const one = decodeEmbedContent({ content: { parts: [{ text: 'a' }] } }, 'g');
    assert.deepEqual(
      embedCalls('g', one).map((call) => call.method),
      [':embedContent'],
    );
    const many = decodeOpenAIEmbedding({ model: 'g', input: Array.from({ length: 201 }, (_, i) => `t${i}`) });
    assert.deepEqual(
      embedCalls('g', many).map((call) => [call.method, call.count]),
      [
        [':batchEmbedContents', 100],
        [':batchEmbedContents', 100],
        [':batchEmbedContents', 1],
      ],
    );
  });

  test('OpenAI-compatible: float asked, vectors put back in input order, base64 answers read', () => {
    const request = decodeOpenAIEmbedding({ model: 'm', input: ['a', 'b'], encoding_format: 'base64' });
    assert.deepEqual(JSON.parse(embeddingsBody('up', request)), {
      model: 'up',
      input: ['a', 'b'],
      encoding_format: 'float',
    });
    const answer = JSON.stringify({
      data: [
        { index: 1, embedding: float32Base64([0.25, 0.5]) },
        { index: 0, embedding: [1, 0] },
      ],
      usage: { prompt_tokens: 2 },
    });
    assert.deepEqual(parseEmbeddings(answer, 2), {
      vectors: [
        [1, 0],
        [0.25, 0.5],
      ],
      promptTokens: 2,
    });
    assert.throws(() => parseEmbeddings(JSON.stringify({ data: [{ index: 0, embedding: [1] }] }), 2));
  });

  test('Gemini answers: usageMetadata as Google sends it on batchEmbedContents, or none', () => {
    // The usage block's shape as recorded from :batchEmbedContents (maximhq/bifrost#7295).
    const batch = JSON.stringify({
      embeddings: [{ values: [0.6, 0.8] }, { values: [1, 0] }],
      usageMetadata: { promptTokenCount: 5, promptTokenDetails: [{ modality: 'TEXT', tokenCount: 5 }] },
    });
    assert.deepEqual(parseEmbedAnswer(batch, 200, 2), {
      vectors: [
        [0.6, 0.8],
        [1, 0],
      ],
      promptTokens: 5,
    });
    const single = JSON.stringify({ embedding: { values: [0.6, 0.8] } });
    assert.deepEqual(parseEmbedAnswer(single, 200, 1), { vectors: [[0.6, 0.8]], promptTokens: undefined });
    assert.throws(() => parseEmbedAnswer(batch, 200, 3), UpstreamError);
    assert.throws(() => parseEmbedAnswer('{"embedding":{"values":["x"]}}', 200, 1), UpstreamError);
    const refused = JSON.stringify({ error: { code: 400, message: 'bad', status: 'INVALID_ARGUMENT' } });
    assert.throws(
      () => parseEmbedAnswer(refused, 400, 1),
      (error: unknown) => error instanceof UpstreamError && error.upstreamStatus === 400,
    );
  });
});
