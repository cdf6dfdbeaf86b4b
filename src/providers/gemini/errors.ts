/**
 * Gemini error bodies -> `UpstreamError` (gemini-mapping.md §8). The body is
 * `{"error":{code,message,status,details[]}}`; Google's OpenAI-compatible layer wraps it in an array,
 * which is accepted too. The client never sees the upstream's key or URLs: messages shown to the client
 * go through `sanitizeUpstreamMessage`, and credential problems (a bad key is a 400 with reason
 * API_KEY_INVALID, a missing one a 403) become a 502 because the client's own key was fine.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  UpstreamError,
  parseRetryAfter,
  sanitizeUpstreamMessage,
  upstreamStatusError,
} from '../shared/upstream-error.ts';

export interface GeminiErrorDetail {
  '@type'?: string;
  reason?: string;
  retryDelay?: string;
}

export interface GeminiErrorInfo {
  code?: number;
  status?: string;
  message?: string;
  details?: GeminiErrorDetail[];
}

type ErrorBody = { error: Record<string, unknown> } | [{ error: Record<string, unknown> }, ...unknown[]];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isGeminiErrorBody(value: unknown): value is ErrorBody {
  const candidate = Array.isArray(value) ? value[0] : value;
  return isRecord(candidate) && isRecord(candidate.error);
}

/** Pull the known fields out of an error body, checking each one's type. */
export function readGeminiError(value: ErrorBody): GeminiErrorInfo {
  const raw = Array.isArray(value) ? value[0].error : value.error;
  const info: GeminiErrorInfo = {};
  if (typeof raw.code === 'number') info.code = raw.code;
  if (typeof raw.status === 'string') info.status = raw.status;
  if (typeof raw.message === 'string') info.message = raw.message;
  if (Array.isArray(raw.details)) {
    info.details = raw.details.filter(isRecord).map((detail) => ({
      '@type': typeof detail['@type'] === 'string' ? detail['@type'] : undefined,
      reason: typeof detail.reason === 'string' ? detail.reason : undefined,
      retryDelay: typeof detail.retryDelay === 'string' ? detail.retryDelay : undefined,
    }));
  }
  return info;
}

/** `RetryInfo.retryDelay` ("2s", "2.006s"), else "Please retry in 2.006230783s." in the message. */
export function retryAfterFromError(info: GeminiErrorInfo): number | undefined {
  for (const detail of info.details ?? []) {
    if (!detail['@type']?.endsWith('google.rpc.RetryInfo') || detail.retryDelay === undefined) continue;
    const match = /^(\d+(?:\.\d+)?)s$/.exec(detail.retryDelay.trim());
    if (match) return Math.ceil(Number(match[1]));
  }
  const text = /retry in (\d+(?:\.\d+)?)\s*(ms|s)\b/i.exec(info.message ?? '');
  if (text) {
    const seconds = text[2] === 'ms' ? Number(text[1]) / 1000 : Number(text[1]);
    return Math.ceil(seconds);
  }
  return undefined;
}

function hasReason(info: GeminiErrorInfo, reason: string): boolean {
  return (info.details ?? []).some((detail) => detail.reason === reason);
}

/** Map an upstream error body (already parsed) and the HTTP status onto our error. */
export function geminiErrorFromBody(
  value: ErrorBody,
  httpStatus: number,
  headers: IncomingHttpHeaders = {},
): UpstreamError {
  const info = readGeminiError(value);
  // A 200 body (or an SSE event) carrying an error: trust the code inside when it is an HTTP error status.
  const inBand = httpStatus >= 200 && httpStatus < 300;
  const status = inBand ? info.code : httpStatus;
  if (status === undefined || status < 400 || status > 599) {
    return new UpstreamError({
      kind: 'protocol',
      code: 'upstream_failed',
      message: `gemini: error event ${info.status ?? ''} ${info.message ?? ''}`.trim(),
    });
  }
  const upstreamMessage = info.message ?? info.status ?? `upstream answered ${status}`;
  if (hasReason(info, 'API_KEY_INVALID')) {
    return new UpstreamError({
      kind: 'status',
      code: 'upstream_failed',
      upstreamStatus: status,
      credentialRejected: true,
      message: `gemini rejected the configured API key (API_KEY_INVALID): ${sanitizeUpstreamMessage(upstreamMessage)}`,
    });
  }
  const retryAfter =
    status === 429 || status === 503
      ? (retryAfterFromError(info) ?? parseRetryAfter(headers['retry-after']))
      : undefined;
  return upstreamStatusError(status, upstreamMessage, retryAfter);
}

/** A non-2xx upstream answer: parse its body (JSON or not) and map it. */
export function geminiErrorFromResponse(
  status: number,
  bodyText: string,
  headers: IncomingHttpHeaders,
): UpstreamError {
  let value: unknown;
  try {
    value = JSON.parse(bodyText);
  } catch {
    value = undefined;
  }
  if (isGeminiErrorBody(value)) return geminiErrorFromBody(value, status, headers);
  const retryAfter = parseRetryAfter(headers['retry-after']);
  return upstreamStatusError(status, bodyText.slice(0, 500), retryAfter);
}

/**
 * A request Portico cannot translate for Gemini (unknown tool_call_id, refused image URL, conflicting
 * extras). It is the client's 400; it is raised as an `UpstreamError` because the provider contract
 * says providers throw only those, and with kind 'status' and no upstream status it is never retried.
 */
export function invalidRequestError(message: string, param = 'messages'): UpstreamError {
  return new UpstreamError({
    kind: 'status',
    code: 'invalid_request',
    message: `gemini request conversion: ${message}`,
    clientMessage: message,
    param,
  });
}
