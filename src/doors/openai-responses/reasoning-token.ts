/**
 * `encrypted_content` of a `reasoning` item (`include: ["reasoning.encrypted_content"]`): what stateless
 * clients (store: false) send back next turn so the model's earlier reasoning travels with the
 * conversation. Portico's token is the reasoning text itself, base64url under a version prefix: it hides
 * nothing (the client already received that text as the summary) and only lets the text come back intact.
 * A token Portico did not make (OpenAI's real encrypted reasoning) cannot be read, and is refused.
 */
const PREFIX = 'portico.r1.';

export function reasoningToken(text: string): string {
  return PREFIX + Buffer.from(text, 'utf8').toString('base64url');
}

/** The reasoning text, or undefined when the token is not one of Portico's. */
export function readReasoningToken(token: string): string | undefined {
  if (!token.startsWith(PREFIX)) return undefined;
  const body = token.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) return undefined;
  return Buffer.from(body, 'base64url').toString('utf8');
}
