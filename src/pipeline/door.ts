/**
 * What admission needs to know about the inbound dialect (the door) that received a request. The door's
 * HTTP side (encoding answers, SSE framing, its error shape) lives in src/doors/; admission only asks it
 * to decode the body into the canonical request.
 */
import type { CanonicalRequest } from './exchange/types.ts';
import type { EmbeddingRequest } from './embedding.ts';

/** The ledger's `door` column and the `/metrics` label. */
export type DoorName =
  'openai-chat' | 'openai-responses' | 'anthropic-messages' | 'gemini-native' | 'embeddings';

export interface Door {
  readonly name: DoorName;
  /**
   * Turn the dialect's body into the canonical request, or throw a `PorticoError` naming the field.
   * `pathModel` is the model the URL names (Gemini-native), which wins over anything in the body.
   */
  decode(raw: unknown, pathModel: string | undefined): CanonicalRequest | Promise<CanonicalRequest>;
  /**
   * Embedding doors (ADR 085): the body as an embedding request. When present, the decode stage keeps
   * it on the context and derives the canonical request from it instead of calling `decode`.
   */
  decodeEmbedding?(raw: unknown, pathModel: string | undefined): EmbeddingRequest;
}
