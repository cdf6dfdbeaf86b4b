/**
 * The one error catalogue. Every error Portico returns is built from an entry here, so the HTTP status,
 * the seed's error `type` and the default suggestion never drift apart. `docs/errors.md` documents the
 * same table and `test/unit/errors.test.ts` checks the two against each other, both ways.
 */

export type SeedErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'insufficient_quota_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'internal_server_error'
  | 'upstream_error'
  | 'service_unavailable_error';

export interface CatalogueEntry {
  readonly status: number;
  readonly type: SeedErrorType;
  readonly message: string;
  readonly suggestion?: string;
  /** A client retry cannot fix it: the response carries `x-should-retry: false`. */
  readonly final: boolean;
}

export const ERRORS = {
  invalid_request: {
    status: 400,
    type: 'invalid_request_error',
    message: 'Invalid request parameters',
    final: true,
  },
  invalid_json: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The request body is not valid JSON',
    final: true,
  },
  unsupported_media_type: {
    status: 415,
    type: 'invalid_request_error',
    message: 'Content-Type must be application/json',
    final: true,
  },
  authentication_failed: {
    status: 401,
    type: 'authentication_error',
    message: 'Invalid or expired token',
    final: true,
  },
  insufficient_quota: {
    status: 402,
    type: 'insufficient_quota_error',
    message: 'Insufficient credits for this request',
    suggestion: 'top up the account credits',
    final: true,
  },
  model_forbidden: {
    status: 403,
    type: 'permission_error',
    message: 'Access denied for this model',
    final: true,
  },
  resource_forbidden: {
    status: 403,
    type: 'permission_error',
    message: 'Access denied for this upstream resource',
    final: true,
  },
  admin_forbidden: {
    status: 403,
    type: 'permission_error',
    message: 'This route needs the admin key',
    final: true,
  },
  model_not_found: {
    status: 404,
    type: 'not_found_error',
    message: 'Specified model not found',
    final: true,
  },
  route_not_found: {
    status: 404,
    type: 'not_found_error',
    message: 'Route not found',
    final: true,
  },
  resource_not_found: {
    status: 404,
    type: 'not_found_error',
    message: 'Resource not found',
    final: true,
  },
  idempotency_conflict: {
    status: 409,
    type: 'invalid_request_error',
    message: 'A request with this Idempotency-Key is still in progress',
    suggestion: 'retry after the first request finishes',
    final: false,
  },
  idempotency_mismatch: {
    status: 422,
    type: 'invalid_request_error',
    message: 'This Idempotency-Key was used with a different request body',
    final: true,
  },
  body_too_large: {
    status: 413,
    type: 'request_too_large',
    message: 'Request body too large',
    final: true,
  },
  headers_too_large: {
    status: 431,
    type: 'request_too_large',
    message: 'Request headers too large',
    final: true,
  },
  request_timeout: {
    status: 408,
    type: 'invalid_request_error',
    message: 'The request body did not arrive in time',
    final: false,
  },
  rate_limited: {
    status: 429,
    type: 'rate_limit_error',
    message: 'Rate limit exceeded',
    suggestion: 'retry after 60 seconds',
    final: false,
  },
  upstream_rate_limited: {
    status: 429,
    type: 'rate_limit_error',
    message: 'The upstream provider is rate limiting requests',
    suggestion: 'retry after 60 seconds',
    final: false,
  },
  internal: {
    status: 500,
    type: 'internal_server_error',
    message: 'Internal server error',
    suggestion: 'try again later',
    final: false,
  },
  upstream_failed: {
    status: 502,
    type: 'upstream_error',
    message: 'Upstream AI service unavailable',
    suggestion: 'try different model',
    final: false,
  },
  upstream_timeout: {
    status: 504,
    type: 'upstream_error',
    message: 'Upstream AI service timed out',
    suggestion: 'try different model',
    final: false,
  },
  upstream_unavailable: {
    status: 503,
    type: 'service_unavailable_error',
    message: 'Upstream AI service temporarily unavailable',
    suggestion: 'retry after 30 seconds',
    final: false,
  },
  service_unavailable: {
    status: 503,
    type: 'service_unavailable_error',
    message: 'Service temporarily unavailable',
    suggestion: 'retry after 30 seconds',
    final: false,
  },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERRORS;

export interface SeedErrorBody {
  error: {
    code: number;
    message: string;
    type: SeedErrorType;
    param?: string;
    fallback_suggestion?: string;
  };
}

export interface PorticoErrorOptions {
  message?: string;
  param?: string;
  suggestion?: string;
  retryAfterSeconds?: number;
  headers?: Record<string, string>;
  cause?: unknown;
}

/** An error with a catalogue code; the HTTP layer turns it into the seed's error body. */
export class PorticoError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly param: string | undefined;
  readonly suggestion: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, options: PorticoErrorOptions = {}) {
    const entry: CatalogueEntry = ERRORS[code];
    super(options.message ?? entry.message, { cause: options.cause });
    this.name = 'PorticoError';
    this.code = code;
    this.status = entry.status;
    this.param = options.param;
    this.suggestion =
      options.suggestion ??
      (options.retryAfterSeconds !== undefined && entry.suggestion?.startsWith('retry after')
        ? `retry after ${options.retryAfterSeconds} seconds`
        : entry.suggestion);
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.headers;
  }

  get final(): boolean {
    return ERRORS[this.code].final;
  }

  toBody(): SeedErrorBody {
    return errorBody(this.code, this.message, this.param, this.suggestion);
  }
}

export function errorBody(
  code: ErrorCode,
  message?: string,
  param?: string,
  suggestion?: string,
): SeedErrorBody {
  const entry: CatalogueEntry = ERRORS[code];
  const error: SeedErrorBody['error'] = {
    code: entry.status,
    message: message ?? entry.message,
    type: entry.type,
  };
  if (param !== undefined) error.param = param;
  const fallback = suggestion ?? entry.suggestion;
  if (fallback !== undefined) error.fallback_suggestion = fallback;
  return { error };
}
