/**
 * The one JSON body parser. Bodies are read as bytes (Fastify enforces the size limit first), checked as
 * UTF-8 (invalid bytes are a 400, never silently replaced), parsed once, and checked for lone surrogate
 * escapes and excessive nesting, which upstreams reject or which could blow a recursive walker's stack.
 * Bodies past `INCREMENTAL_FROM_BYTES` are parsed in slices that yield to the event loop
 * (`json-incremental.ts`), so one large body never freezes the other clients.
 */
import { PorticoError } from '../errors.ts';
import { parseJsonIncrementally } from './json-incremental.ts';

const decoder = new TextDecoder('utf-8', { fatal: true });
const LONE_SURROGATE_ESCAPE = /\\u[dD][89a-fA-F][0-9a-fA-F]{2}/;
export const MAX_JSON_DEPTH = 64;

function depthExceeds(value: unknown, limit: number): boolean {
  // Iterative walk: the check itself must not overflow the stack on hostile input.
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop() as { value: unknown; depth: number };
    if (current === null || typeof current !== 'object') continue;
    if (depth >= limit) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children)
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1 });
  }
  return false;
}

function hasLoneSurrogate(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      if (!current.isWellFormed()) return true;
    } else if (current !== null && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        if (!key.isWellFormed()) return true;
        stack.push(child);
      }
    }
  }
  return false;
}

export function parseJsonBody(buffer: Buffer): unknown {
  if (buffer.length === 0) throw new PorticoError('invalid_json', { message: 'The request body is empty' });
  let text: string;
  try {
    text = decoder.decode(buffer);
  } catch {
    throw new PorticoError('invalid_request', { message: 'The request body is not valid UTF-8' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof RangeError ? 'it is nested too deeply' : (error as Error).message;
    throw new PorticoError('invalid_json', { message: `The request body is not valid JSON: ${reason}` });
  }
  if (depthExceeds(value, MAX_JSON_DEPTH)) {
    throw new PorticoError('invalid_request', {
      message: `The request body is nested deeper than ${MAX_JSON_DEPTH} levels`,
    });
  }
  if (LONE_SURROGATE_ESCAPE.test(text) && hasLoneSurrogate(value)) {
    throw new PorticoError('invalid_request', {
      message: 'The request body contains a lone UTF-16 surrogate',
    });
  }
  return value;
}

/** Below this size one synchronous parse is cheaper than slicing and stays well under a millisecond. */
export const INCREMENTAL_FROM_BYTES = 256 * 1024;

function checkSurrogates(text: string, value: unknown): void {
  if (LONE_SURROGATE_ESCAPE.test(text) && hasLoneSurrogate(value)) {
    throw new PorticoError('invalid_request', {
      message: 'The request body contains a lone UTF-16 surrogate',
    });
  }
}

/** The same result and errors as `parseJsonBody`, without holding the event loop for a large body. */
export async function parseJsonBodyAsync(
  buffer: Buffer,
  onElement?: (path: string, index: number, value: unknown) => void,
): Promise<unknown> {
  if (buffer.length < INCREMENTAL_FROM_BYTES) return parseJsonBody(buffer);
  const value = await parseJsonIncrementally(buffer, {
    sliceBytes: 32 * 1024,
    yieldEveryBytes: 128 * 1024,
    maxDepth: MAX_JSON_DEPTH,
    checkSlice: checkSurrogates,
    onElement,
  });
  return value;
}
