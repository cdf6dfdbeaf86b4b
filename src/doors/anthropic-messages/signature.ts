/**
 * A thinking block's `signature` carries Gemini's thought signature (docs/decisions/082-door-anthropic-
 * messages.md). Gemini signs the first function call of a step; Portico's tool-call ids already carry
 * that signature (providers/gemini/tool-call-id.ts), and the thinking block before the call carries it
 * too, so a client that rewrites tool-use ids but echoes thinking blocks (as Anthropic requires) still
 * gives it back. The prefix tells Portico's signatures from Claude's own: a conversation started on Claude
 * carries signatures Gemini would reject, and those are not sent.
 */
import { decodeThoughtSignature } from '../../providers/gemini/tool-call-id.ts';

const PREFIX = 'portico.gemini.';

/** The thinking block's signature for a step whose first tool call has this id ('' when unsigned). */
export function thinkingSignatureFor(toolCallId: string | undefined): string {
  const signature = toolCallId === undefined ? undefined : decodeThoughtSignature(toolCallId);
  return signature === undefined ? '' : PREFIX + signature;
}

/** The Gemini signature inside a thinking block's signature, when Portico issued it. */
export function geminiSignatureFromThinking(signature: string): string | undefined {
  if (!signature.startsWith(PREFIX) || signature.length === PREFIX.length) return undefined;
  return signature.slice(PREFIX.length);
}
