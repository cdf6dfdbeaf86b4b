/**
 * A failure talking to an upstream, classified once so routing can decide whether a retry is safe and
 * the HTTP layer knows what the client sees. The client never sees the upstream's URL or key: the
 * `clientError` message is either ours or a sanitized upstream message.
 */
import { PorticoError, type ErrorCode } from '../../errors.ts';

export type UpstreamFailureKind =
  | 'connect'
  | 'timeout_connect'
  | 'timeout_first_byte'
  | 'timeout_idle'
  | 'status'
  | 'protocol'
  | 'reset'
  | 'aborted';

export interface UpstreamErrorInit {
  kind: UpstreamFailureKind;
  code: ErrorCode;
  message: string;
  upstreamStatus?: number;
  /** What the client is told to wait (the upstream's own value, or a default). */
  retryAfterSeconds?: number;
  /** The wait the upstream itself asked for, when it said one; routing cools a deployment only on this. */
  upstreamRetryAfterSeconds?: number;
  clientMessage?: string;
  param?: string;
  cause?: unknown;
  /**
   * The upstream refused the credential itself (revoked, invalid, billing disabled); default: a 401 or
   * 403 status. A key pool takes such a key out.
   */
  credentialRejected?: boolean;
}

export class UpstreamError extends Error {
  readonly kind: UpstreamFailureKind;
  readonly upstreamStatus: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly upstreamRetryAfterSeconds: number | undefined;
  readonly clientError: PorticoError;
  readonly credentialRejected: boolean;
  /** The label of the upstream key the failed attempt used (set by the key pool; never the secret). */
  credential: string | undefined;

  constructor(init: UpstreamErrorInit) {
    super(init.message, { cause: init.cause });
    this.name = 'UpstreamError';
    this.kind = init.kind;
    this.upstreamStatus = init.upstreamStatus;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.credentialRejected =
      init.credentialRejected ??
      (init.kind === 'status' && (init.upstreamStatus === 401 || init.upstreamStatus === 403));
    this.credential = undefined;
    // Built without the field, the error's Retry-After is the upstream's own (tests, provider mappings
    // that read it directly); `upstreamStatusError` passes it explicitly, undefined when none was sent.
    this.upstreamRetryAfterSeconds =
      'upstreamRetryAfterSeconds' in init ? init.upstreamRetryAfterSeconds : init.retryAfterSeconds;
    this.clientError = new PorticoError(init.code, {
      message: init.clientMessage,
      param: init.param,
      retryAfterSeconds: init.retryAfterSeconds,
      headers:
        init.retryAfterSeconds !== undefined ? { 'retry-after': String(init.retryAfterSeconds) } : undefined,
    });
  }

  /**
   * Whether the upstream cannot have billed this attempt: nothing was generated (DESIGN.md §8). Only such
   * failures may be retried on another deployment.
   */
  get unbilled(): boolean {
    if (this.kind === 'connect' || this.kind === 'timeout_connect') return true;
    if (this.kind === 'status') {
      const status = this.upstreamStatus ?? 0;
      return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
    }
    return false;
  }
}

/** Strip anything that could name the upstream (URLs, keys) from a message the client will see. */
export function sanitizeUpstreamMessage(message: string, maxLength = 500): string {
  return message
    .replace(/https?:\/\/[^\s"'<>)]+/gi, '[url]')
    .replace(/\b(?:AIza[0-9A-Za-z_-]{20,}|sk-[0-9A-Za-z_-]{16,})\b/g, '[redacted]')
    .replace(/[\r\n]+/g, ' ')
    .slice(0, maxLength)
    .trim();
}

/** Parse `Retry-After` (seconds or an HTTP date) into whole seconds. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return Math.max(0, Math.ceil(Number(raw)));
  const date = Date.parse(raw);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * What the client is told to wait after an upstream 429/503 that named no wait: a few seconds. A long
 * default (30-60 s) is slept through in full by SDKs that honour Retry-After (the `openai` SDK does).
 */
export const DEFAULT_UPSTREAM_RETRY_AFTER_SECONDS = 3;

/**
 * The default mapping of an upstream error status onto what the client sees (issue #2): a request the
 * upstream rejected is the client's 400 with the upstream's (sanitized) message; an upstream 401/403 is
 * the operator's credential problem, so the client sees 502; 429 stays 429 with Retry-After; 503 stays
 * 503; other 5xx become 502.
 */
export function upstreamStatusError(
  status: number,
  upstreamMessage: string,
  retryAfterSeconds?: number,
): UpstreamError {
  const message = sanitizeUpstreamMessage(upstreamMessage || `upstream answered ${status}`);
  const base = {
    kind: 'status' as const,
    upstreamStatus: status,
    upstreamRetryAfterSeconds: retryAfterSeconds,
    message: `upstream status ${status}: ${message}`,
  };
  switch (true) {
    case status === 400 || status === 422:
      return new UpstreamError({ ...base, code: 'invalid_request', clientMessage: message });
    case status === 401 || status === 403:
      return new UpstreamError({ ...base, code: 'upstream_failed' });
    case status === 404:
      return new UpstreamError({ ...base, code: 'model_not_found', clientMessage: message, param: 'model' });
    case status === 413:
      return new UpstreamError({ ...base, code: 'body_too_large', clientMessage: message });
    case status === 429:
      return new UpstreamError({
        ...base,
        code: 'upstream_rate_limited',
        retryAfterSeconds: retryAfterSeconds ?? DEFAULT_UPSTREAM_RETRY_AFTER_SECONDS,
      });
    case status === 503:
      return new UpstreamError({
        ...base,
        code: 'upstream_unavailable',
        retryAfterSeconds: retryAfterSeconds ?? DEFAULT_UPSTREAM_RETRY_AFTER_SECONDS,
      });
    case status === 504:
      return new UpstreamError({ ...base, code: 'upstream_timeout' });
    default:
      return new UpstreamError({ ...base, code: 'upstream_failed' });
  }
}
