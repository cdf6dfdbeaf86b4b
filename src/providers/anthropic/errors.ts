/**
 * Anthropic error answers -> `UpstreamError`. The body is `{"type":"error","error":{"type","message"}}`;
 * statuses map like every upstream's (upstream-error.ts), with Anthropic's own: 529 `overloaded_error`
 * is the API being overloaded (unbilled, retried elsewhere like a 503), and a 401/403 is a refused key
 * (the key pool takes it out). Mid-stream, the same body arrives as an `error` event.
 */
import { parseRetryAfter, UpstreamError, upstreamStatusError } from '../shared/upstream-error.ts';
import type { IncomingHttpHeaders } from 'node:http';

export function anthropicErrorMessage(text: string): { type?: string; message: string } {
  try {
    const parsed = JSON.parse(text) as { error?: { type?: unknown; message?: unknown } };
    const error = parsed.error;
    if (error && typeof error.message === 'string')
      return { type: typeof error.type === 'string' ? error.type : undefined, message: error.message };
  } catch {
    // Not JSON: the status decides.
  }
  return { message: text.slice(0, 500) };
}

export function anthropicErrorFromResponse(
  status: number,
  text: string,
  headers: IncomingHttpHeaders,
): UpstreamError {
  const { type, message } = anthropicErrorMessage(text);
  if (status === 529 || type === 'overloaded_error') {
    // Overloaded: as a 503 for routing (unbilled, may go elsewhere), the real status kept in the message.
    const error = upstreamStatusError(
      503,
      `overloaded (${status}): ${message}`,
      parseRetryAfter(headers['retry-after']),
    );
    return error;
  }
  const retryAfter = status === 429 || status === 503 ? parseRetryAfter(headers['retry-after']) : undefined;
  return upstreamStatusError(status, message, retryAfter);
}

/** An `error` event inside a stream that had started. */
export function anthropicStreamError(data: Record<string, unknown>): UpstreamError {
  const error = data.error as { type?: unknown; message?: unknown } | undefined;
  const type = typeof error?.type === 'string' ? error.type : 'api_error';
  const message = typeof error?.message === 'string' ? error.message : 'stream error';
  return new UpstreamError({
    kind: 'protocol',
    code: 'upstream_failed',
    message: `anthropic stream ${type}: ${message}`,
  });
}
