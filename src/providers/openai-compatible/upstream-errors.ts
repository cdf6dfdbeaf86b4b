/**
 * Upstream error bodies -> UpstreamError. OpenAI-compatible servers answer `{"error":{message,type,
 * code,param}}`; Gemini's compatible endpoint wraps the same in an array, `[{"error":{code,message,
 * status}}]` (gemini-mapping.md §9); a few proxies send `{"error":"text"}` or `{"message":"text"}`.
 * Status -> client error is the shared mapping; every message is sanitized there so the client never
 * sees the upstream URL or key.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  UpstreamError,
  parseRetryAfter,
  sanitizeUpstreamMessage,
  upstreamStatusError,
} from '../shared/upstream-error.ts';
import { isRecord, stringAt } from './json-shape.ts';

/** The most an error body is read: enough for any message, bounded against a hostile upstream. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The human message in an error payload, or undefined when the payload carries no error. */
export function errorMessageOf(payload: unknown): string | undefined {
  const unwrapped = Array.isArray(payload) ? payload[0] : payload;
  if (!isRecord(unwrapped)) return undefined;
  const error = unwrapped.error;
  if (typeof error === 'string') return error;
  if (isRecord(error)) return stringAt(error, 'message') ?? stringAt(error, 'code') ?? 'upstream error';
  return stringAt(unwrapped, 'message');
}

/** Whether a parsed 200 body or stream event is an error report rather than data. */
export function isErrorPayload(payload: unknown): boolean {
  if (Array.isArray(payload)) return isRecord(payload[0]) && payload[0].error !== undefined;
  return isRecord(payload) && payload.error !== undefined && payload.error !== null;
}

export function statusError(status: number, headers: IncomingHttpHeaders, bodyText: string): UpstreamError {
  let message: string | undefined;
  try {
    message = errorMessageOf(JSON.parse(bodyText));
  } catch {
    message = undefined;
  }
  // A non-JSON body (an HTML error page from a proxy) is not worth showing: keep a short excerpt only.
  message ??= bodyText.trim().slice(0, 200);
  return upstreamStatusError(status, message, parseRetryAfter(headers['retry-after']));
}

/** An error reported inside a 200 answer: a JSON body or an SSE event after the stream started. */
export function errorPayloadError(payload: unknown): UpstreamError {
  const message = sanitizeUpstreamMessage(errorMessageOf(payload) ?? 'upstream error');
  return new UpstreamError({
    kind: 'protocol',
    code: 'upstream_failed',
    message: `upstream error event: ${message}`,
    clientMessage: `Upstream error: ${message}`,
  });
}

export function protocolError(detail: string, cause?: unknown): UpstreamError {
  return new UpstreamError({
    kind: 'protocol',
    code: 'upstream_failed',
    message: `upstream protocol error: ${detail}`,
    cause,
  });
}
