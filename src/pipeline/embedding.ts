/**
 * Embedding requests through the shared admission (ADR 085). An embedding door decodes its body into an
 * `EmbeddingRequest`, kept on the request's context; the canonical (chat-shaped) request admission reads
 * is derived from it: its `model`, and each input as one user message, so the one usage estimator and
 * the idempotency hash see the inputs. The prompt bound that rate limits and holds use is the inputs'
 * UTF-8 bytes (a token covers at least one byte). A chat model is refused on an embedding route, and an
 * embedding model on a chat route, with a 400 that names `model`.
 */
import type { ResolvedModel } from '../config/load-config.ts';
import { PorticoError } from '../errors.ts';
import type { CanonicalRequest } from './exchange/types.ts';
import type { RequestContext } from './context.ts';
import { allowedModels, closestModel } from './resolve-model.ts';

/** One text to embed: a Gemini content's text parts (an OpenAI input is one part), with its options. */
export interface EmbeddingInput {
  readonly parts: readonly string[];
  /** Gemini: a title for a RETRIEVAL_DOCUMENT text. */
  readonly title?: string;
  /** Gemini: what the embedding is for (RETRIEVAL_QUERY, SEMANTIC_SIMILARITY, ...). */
  readonly taskType?: string;
}

export interface EmbeddingRequest {
  readonly model: string;
  readonly inputs: readonly EmbeddingInput[];
  /** Vector length asked for (OpenAI `dimensions`, Gemini `outputDimensionality`). */
  readonly dimensions?: number;
  /** How the client wants the vectors written (Gemini: always float). */
  readonly encoding: 'float' | 'base64';
  /** The client called the batch form (an input array, `:batchEmbedContents`). */
  readonly batch: boolean;
  /** OpenAI `user`: the end user, for the upstream's abuse monitoring. */
  readonly user?: string;
}

/** An embedding input as one text (the parts of a Gemini content, one per line; the title first). */
export function inputText(input: EmbeddingInput): string {
  const text = input.parts.join('\n');
  return input.title === undefined ? text : `${input.title}\n${text}`;
}

/** The canonical request admission and the estimator read: the model, and each input as a user message. */
export function embeddingCanonical(request: EmbeddingRequest): CanonicalRequest {
  return {
    model: request.model,
    messages: request.inputs.map((input) => ({ role: 'user' as const, content: inputText(input) })),
  };
}

const encoder = new TextEncoder();

function utf8Bytes(text: string): number {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(text) ? text.length : encoder.encode(text).length;
}

/** Prompt tokens bounded from above: the UTF-8 bytes of every text and title embedded. */
export function embeddingPromptBound(request: EmbeddingRequest): number {
  let bytes = 0;
  for (const input of request.inputs) {
    for (const part of input.parts) bytes += utf8Bytes(part);
    if (input.title !== undefined) bytes += utf8Bytes(input.title);
  }
  return bytes;
}

/** Embedding models: the catalogue's or the config's `capabilities.embedding`, else a name with "embed". */
export function isEmbeddingModel(model: ResolvedModel): boolean {
  return model.traits.embedding ?? /embed/i.test(model.name);
}

/** The closest model of the wanted kind the key may use, for the refusal's `fallback_suggestion`. */
function suggestion(context: RequestContext, embedding: boolean): string | undefined {
  const { key, model } = context;
  if (!key || !model) return undefined;
  const candidates = allowedModels(context.services.config.models, key)
    .filter((candidate) => isEmbeddingModel(candidate) === embedding)
    .map((candidate) => candidate.name);
  return closestModel(model.name, candidates);
}

/** Admission stage: embeddings only on embedding models, chat only on the others (400 naming `model`). */
export function checkModelKind(context: RequestContext): void {
  const model = context.model;
  if (!model) return;
  const embedding = isEmbeddingModel(model);
  if (context.embedding && !embedding) {
    throw new PorticoError('invalid_request', {
      message: `The model '${model.name}' is a chat model and makes no embeddings; use an embedding model`,
      param: 'model',
      suggestion: suggestion(context, true),
    });
  }
  if (!context.embedding && embedding) {
    throw new PorticoError('invalid_request', {
      message: `The model '${model.name}' is an embedding model: call POST /v1/embeddings (or :embedContent) with it, not a chat or generation route`,
      param: 'model',
      suggestion: suggestion(context, false),
    });
  }
}
