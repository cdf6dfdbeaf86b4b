/**
 * Stage 2: is the body a Chat Completions request. The TypeBox schema is compiled once; the first error
 * names the offending field as `param` (e.g. `messages[0].content`). Unknown top-level fields are dropped
 * here, so they can never reach an upstream.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { ValueError } from '@sinclair/typebox/errors';
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

interface FoundError {
  path: string;
  message: string;
}

/**
 * The most specific error: unions report one error for the whole union with the errors of each branch
 * nested inside; the deepest path among them is the one that helps the client.
 */
function deepestError(errors: Iterable<ValueError>, depth = 0): FoundError | undefined {
  let best: FoundError | undefined;
  for (const error of errors) {
    let candidate: FoundError = { path: error.path, message: error.message };
    if (depth < 8) {
      for (const branch of error.errors) {
        const nested = deepestError(branch, depth + 1);
        if (nested && nested.path.length > candidate.path.length) candidate = nested;
      }
    }
    if (!best || candidate.path.length > best.path.length) best = candidate;
    if (best && depth === 0 && !error.path.startsWith(best.path.split('/').slice(0, 2).join('/'))) break;
  }
  return best;
}

export function validateChatRequest(raw: unknown): ChatCompletionRequest {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PorticoError('invalid_request', { message: 'The request body must be a JSON object' });
  }
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) if (KNOWN_REQUEST_FIELDS.has(name)) body[name] = value;
  if (!compiled.Check(body)) {
    const best = deepestError(compiled.Errors(body));
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
