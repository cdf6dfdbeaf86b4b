/**
 * Stage 2: the door decodes its dialect's body into the canonical request, refusing with a 400 that
 * names the field. The model the URL names (Gemini-native) is the only model: a body that names another
 * one is a parser differential and refused (RELIABILITY B5).
 */
import type { RequestContext } from './context.ts';
import { embeddingCanonical } from './embedding.ts';

export async function decodeRequest(context: RequestContext): Promise<void> {
  const door = context.door;
  if (door.decodeEmbedding) {
    // An embedding: the request rides on the context; admission reads its canonical form.
    const embedding = door.decodeEmbedding(context.rawBody, context.pathModel);
    context.embedding = embedding;
    context.body = embeddingCanonical(embedding);
    return;
  }
  context.body = await door.decode(context.rawBody, context.pathModel);
}
