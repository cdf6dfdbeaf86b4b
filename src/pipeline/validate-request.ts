/**
 * Stage 2: is the body a Chat Completions request. The TypeBox schema is compiled once; the first error
 * names the offending field as `param` (e.g. `messages[0].content`). Unknown top-level fields are dropped
 * here, so they can never reach an upstream.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { PorticoError } from '../errors.ts';
import { ChatCompletionRequest, KNOWN_REQUEST_FIELDS } from '../openai/request.ts';
import type { ChatContext } from './context.ts';

const compiled = TypeCompiler.Compile(ChatCompletionRequest);

/** `/messages/0/content` -> `messages[0].content` */
export function pointerToParam(pointer: string): string {
  let param = '';
  for (const segment of pointer.split('/').slice(1)) {
    const unescaped = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    param += /^\d+$/.test(unescaped) ? `[${unescaped}]` : param ? `.${unescaped}` : unescaped;
  }
  return param;
}

export function validateChatRequest(raw: unknown): ChatCompletionRequest {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PorticoError('invalid_request', { message: 'The request body must be a JSON object' });
  }
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) if (KNOWN_REQUEST_FIELDS.has(name)) body[name] = value;
  if (!compiled.Check(body)) {
    // Report the deepest error on the first failing path: unions report every branch, the deepest is the
    // most specific one for the client.
    let best: { path: string; message: string } | undefined;
    for (const error of compiled.Errors(body)) {
      if (!best || error.path.length > best.path.length) best = { path: error.path, message: error.message };
      if (best && !error.path.startsWith(best.path.split('/').slice(0, 2).join('/'))) break;
    }
    const param = best ? pointerToParam(best.path) : undefined;
    const message = best
      ? param
        ? `Invalid value for '${param}': ${best.message}`
        : `Invalid request: ${best.message}`
      : 'Invalid request parameters';
    throw new PorticoError('invalid_request', { message, param: param || undefined });
  }
  return body as ChatCompletionRequest;
}

export function validateRequest(context: ChatContext): void {
  context.body = validateChatRequest(context.rawBody);
}
