/**
 * Errors in Google's shape: `{"error":{"code","message","status","details"}}` with the HTTP status as
 * `code` and the canonical gRPC status name as `status` (cloud.google.com/apis/design/errors). Portico's
 * own error type, the field and the fallback suggestion travel in a `google.rpc.ErrorInfo` detail, the
 * place Google's clients already read structured reasons from.
 */
import type { PorticoError } from '../../errors.ts';
import { errorHeaders } from '../../http/error-response.ts';
import type { ErrorReply } from '../codec.ts';

const STATUS_BY_HTTP: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  402: 'RESOURCE_EXHAUSTED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  408: 'DEADLINE_EXCEEDED',
  409: 'ABORTED',
  413: 'INVALID_ARGUMENT',
  415: 'INVALID_ARGUMENT',
  422: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  431: 'INVALID_ARGUMENT',
  499: 'CANCELLED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function googleStatus(httpStatus: number): string {
  return STATUS_BY_HTTP[httpStatus] ?? (httpStatus >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT');
}

export interface GoogleErrorBody {
  error: {
    code: number;
    message: string;
    status: string;
    details: Array<Record<string, unknown>>;
  };
}

export function googleErrorBody(error: PorticoError): GoogleErrorBody {
  const seed = error.toBody().error;
  const metadata: Record<string, string> = { type: seed.type };
  if (seed.param !== undefined) metadata.param = seed.param;
  if (seed.fallback_suggestion !== undefined) metadata.fallback_suggestion = seed.fallback_suggestion;
  return {
    error: {
      code: error.status,
      message: error.message,
      status: googleStatus(error.status),
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: error.code.toUpperCase(),
          domain: 'portico',
          metadata,
        },
      ],
    },
  };
}

export function googleErrorReply(error: PorticoError): ErrorReply {
  return { status: error.status, headers: errorHeaders(error), body: googleErrorBody(error) };
}
