/**
 * Gemini-native embeddings (ai.google.dev/api/embeddings): `POST {/v1beta,/v1}/models/{model}:embedContent`
 * (`{content, taskType?, title?, outputDimensionality?}`) and `:batchEmbedContents` (`{requests: [...]}`,
 * each an embedContent request naming its model). Fields may be camelCase or snake_case, as Google's
 * parser takes them; the URL's model is the only model (a body or batch entry naming another is a 400).
 * Only text parts can be embedded; every other part kind is refused by name. A batch's entries must
 * agree on `outputDimensionality` (Portico answers one vector length per request). Answers are Google's
 * `{embedding: {values}}` / `{embeddings: [{values}]}` with `usageMetadata.promptTokenCount`, the
 * tokens billed; errors are Google's shape. The door is `gemini-native` in the ledger.
 */
import type { EmbeddingInput, EmbeddingRequest } from '../../pipeline/embedding.ts';
import { embeddingCanonical } from '../../pipeline/embedding.ts';
import type { Embedded } from '../../pipeline/exchange/types.ts';
import { bareModel } from '../gemini-native/decode.ts';
import { googleErrorReply } from '../gemini-native/errors.ts';
import { arrayField, integerField, invalid, readFields, stringField } from '../gemini-native/fields.ts';
import type { EmbeddingDoor } from './embedding-door.ts';
import { MAX_INPUTS } from './openai-embeddings.ts';

/** `TaskType` (ai.google.dev/api/embeddings#tasktype). */
const TASK_TYPES: ReadonlySet<string> = new Set([
  'TASK_TYPE_UNSPECIFIED',
  'RETRIEVAL_QUERY',
  'RETRIEVAL_DOCUMENT',
  'SEMANTIC_SIMILARITY',
  'CLASSIFICATION',
  'CLUSTERING',
  'QUESTION_ANSWERING',
  'FACT_VERIFICATION',
  'CODE_RETRIEVAL_QUERY',
]);

const REQUEST_FIELDS = ['model', 'content', 'taskType', 'title', 'outputDimensionality'];
const NOT_TEXT = 'only text parts can be embedded through Portico';
const REFUSED_PARTS: Readonly<Record<string, string>> = {
  inlineData: NOT_TEXT,
  fileData: NOT_TEXT,
  functionCall: NOT_TEXT,
  functionResponse: NOT_TEXT,
  executableCode: NOT_TEXT,
  codeExecutionResult: NOT_TEXT,
};

function prefix(where: string, field: string): string {
  return where === '' ? field : `${where}.${field}`;
}

function decodeContent(value: unknown, where: string): string[] {
  const fields = readFields(value, where, ['parts', 'role']);
  if (fields.role !== undefined && stringField(fields.role, prefix(where, 'role')) !== 'user') {
    throw invalid("must be 'user' (or absent) for an embedding", prefix(where, 'role'));
  }
  const partsParam = prefix(where, 'parts');
  if (fields.parts === undefined) throw invalid('is required', partsParam);
  const parts = arrayField(fields.parts, partsParam).map((part, index) => {
    const param = `${partsParam}[${index}]`;
    const read = readFields(part, param, ['text', 'thought'], REFUSED_PARTS);
    if (read.thought !== undefined) throw invalid('thought parts cannot be embedded', `${param}.thought`);
    if (read.text === undefined) throw invalid('needs text', `${param}.text`);
    return stringField(read.text, `${param}.text`);
  });
  if (parts.every((text) => text === '')) throw invalid('has no text to embed', partsParam);
  return parts;
}

/** One `EmbedContentRequest` at `where` ('' for the body of `:embedContent`). */
function decodeRequest(
  value: unknown,
  where: string,
  model: string,
): { input: EmbeddingInput; dimensions: number | undefined } {
  const fields = readFields(value, where, REQUEST_FIELDS);
  if (fields.model !== undefined) {
    const named = bareModel(stringField(fields.model, prefix(where, 'model')));
    if (named !== model) {
      throw invalid(
        `names another model than the URL (${model.slice(0, 100)}); the URL's model is the only model`,
        prefix(where, 'model'),
      );
    }
  }
  if (fields.content === undefined) throw invalid('is required', prefix(where, 'content'));
  const parts = decodeContent(fields.content, prefix(where, 'content'));
  let taskType: string | undefined;
  if (fields.taskType !== undefined) {
    taskType = stringField(fields.taskType, prefix(where, 'taskType'));
    if (!TASK_TYPES.has(taskType)) throw invalid('is not a Gemini task type', prefix(where, 'taskType'));
  }
  const title = fields.title === undefined ? undefined : stringField(fields.title, prefix(where, 'title'));
  const dimensions =
    fields.outputDimensionality === undefined
      ? undefined
      : integerField(fields.outputDimensionality, prefix(where, 'outputDimensionality'), 1, 65_536);
  return {
    input: {
      parts,
      ...(taskType !== undefined ? { taskType } : {}),
      ...(title !== undefined ? { title } : {}),
    },
    dimensions,
  };
}

export function decodeEmbedContent(raw: unknown, pathModel: string): EmbeddingRequest {
  const model = bareModel(pathModel);
  const { input, dimensions } = decodeRequest(raw, '', model);
  return {
    model,
    inputs: [input],
    ...(dimensions !== undefined ? { dimensions } : {}),
    encoding: 'float',
    batch: false,
  };
}

export function decodeBatchEmbedContents(raw: unknown, pathModel: string): EmbeddingRequest {
  const model = bareModel(pathModel);
  const fields = readFields(raw, '', ['requests']);
  if (fields.requests === undefined) throw invalid('is required', 'requests');
  const requests = arrayField(fields.requests, 'requests');
  if (requests.length === 0 || requests.length > MAX_INPUTS) {
    throw invalid(`must hold 1 to ${MAX_INPUTS} requests`, 'requests');
  }
  const inputs: EmbeddingInput[] = [];
  let dimensions: number | undefined;
  requests.forEach((value, index) => {
    const decoded = decodeRequest(value, `requests[${index}]`, model);
    if (index > 0 && decoded.dimensions !== dimensions) {
      throw invalid(
        'every request of a batch must ask for the same outputDimensionality',
        `requests[${index}].outputDimensionality`,
      );
    }
    dimensions = decoded.dimensions;
    inputs.push(decoded.input);
  });
  return {
    model,
    inputs,
    ...(dimensions !== undefined ? { dimensions } : {}),
    encoding: 'float',
    batch: true,
  };
}

/** Google's usage report, with the tokens Portico billed. */
function usageMetadata(embedded: Embedded): Record<string, unknown> {
  const tokens = embedded.counts.prompt;
  return { promptTokenCount: tokens, promptTokenDetails: [{ modality: 'TEXT', tokenCount: tokens }] };
}

function makeDoor(batch: boolean): EmbeddingDoor {
  const decodeEmbedding = (raw: unknown, pathModel: string | undefined) =>
    batch ? decodeBatchEmbedContents(raw, pathModel ?? '') : decodeEmbedContent(raw, pathModel ?? '');
  return {
    name: 'gemini-native',
    decode: (raw, pathModel) => embeddingCanonical(decodeEmbedding(raw, pathModel)),
    decodeEmbedding,
    encodeEmbeddings: (_request, embedded) =>
      JSON.stringify(
        batch
          ? {
              embeddings: embedded.vectors.map((values) => ({ values })),
              usageMetadata: usageMetadata(embedded),
            }
          : { embedding: { values: embedded.vectors[0] }, usageMetadata: usageMetadata(embedded) },
      ),
    errorReply: googleErrorReply,
  };
}

export const geminiEmbedContentDoor: EmbeddingDoor = makeDoor(false);
export const geminiBatchEmbedContentsDoor: EmbeddingDoor = makeDoor(true);
