/**
 * Stage 2: the door decodes its dialect's body into the canonical request, refusing with a 400 that
 * names the field. The model the URL names (Gemini-native) is the only model: a body that names another
 * one is a parser differential and refused (RELIABILITY B5).
 */
import type { RequestContext } from './context.ts';

export async function decodeRequest(context: RequestContext): Promise<void> {
  context.body = await context.door.decode(context.rawBody, context.pathModel);
}
