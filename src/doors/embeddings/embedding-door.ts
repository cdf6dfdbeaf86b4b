/**
 * What an embedding door is (ADR 085): it decodes its dialect's body into an `EmbeddingRequest` (the
 * decode stage keeps it on the context and admission reads the canonical request derived from it),
 * encodes the settled vectors in its dialect, and shapes errors in its own format. There is no stream.
 */
import type { PorticoError } from '../../errors.ts';
import type { Door } from '../../pipeline/door.ts';
import type { EmbeddingRequest } from '../../pipeline/embedding.ts';
import type { Embedded } from '../../pipeline/exchange/types.ts';
import type { ErrorReply } from '../codec.ts';

export interface EmbeddingDoor extends Door {
  decodeEmbedding(raw: unknown, pathModel: string | undefined): EmbeddingRequest;
  encodeEmbeddings(request: EmbeddingRequest, embedded: Embedded): string;
  errorReply(error: PorticoError): ErrorReply;
}
