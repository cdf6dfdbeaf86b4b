/** Turns any thrown value into the seed's error body and status, with the right headers. */
import type { FastifyReply } from 'fastify';
import { ERRORS, PorticoError, errorBody, type SeedErrorBody } from '../errors.ts';
import { StoreError, isDatabaseUnavailable } from '../store/errors.ts';

export { isDatabaseUnavailable };

export function toPorticoError(error: unknown): PorticoError {
  if (error instanceof PorticoError) return error;
  const fastifyError = error as { code?: string; statusCode?: number; message?: string } | null;
  switch (fastifyError?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PorticoError('body_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new PorticoError('unsupported_media_type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new PorticoError('invalid_json', { message: 'The request body is empty' });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new PorticoError('invalid_request', { message: 'Content-Length does not match the body' });
    case 'FST_ERR_VALIDATION': {
      const first = (
        error as { validation?: Array<{ instancePath?: string; params?: { missingProperty?: string } }> }
      ).validation?.[0];
      const path = (first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
      const param = first?.params?.missingProperty
        ? (path ? `${path}.` : '') + first.params.missingProperty
        : path;
      return new PorticoError('invalid_request', {
        message: fastifyError.message,
        param: param || undefined,
      });
    }
  }
  if (error instanceof StoreError) {
    switch (error.code) {
      case 'idempotency_key_reused':
        return new PorticoError('idempotency_mismatch', { message: error.message });
      case 'account_not_found':
        return new PorticoError('resource_not_found', { message: error.message });
      case 'insufficient_balance':
      case 'invalid_amount':
        return new PorticoError('invalid_request', { message: error.message, param: 'amount_usd' });
      default:
        return new PorticoError('internal', { cause: error });
    }
  }
  // The database is unreachable or locked past its busy timeout: fail closed, retryable.
  if (isDatabaseUnavailable(error)) {
    return new PorticoError('service_unavailable', {
      message: 'The database is unavailable',
      retryAfterSeconds: 5,
      cause: error,
    });
  }
  const status = fastifyError?.statusCode;
  if (status === 413) return new PorticoError('body_too_large');
  if (status !== undefined && status >= 400 && status < 500) {
    return new PorticoError('invalid_request', {
      message: fastifyError?.message ?? ERRORS.invalid_request.message,
    });
  }
  return new PorticoError('internal', { cause: error });
}

export function errorHeaders(error: PorticoError): Record<string, string> {
  const headers: Record<string, string> = { ...error.headers };
  if (error.final) headers['x-should-retry'] = 'false';
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  return headers;
}

export function sendError(reply: FastifyReply, error: PorticoError): FastifyReply {
  return reply.code(error.status).headers(errorHeaders(error)).send(error.toBody());
}

/** The body of an error sent inside an already started SSE stream. */
export function streamErrorBody(error: PorticoError): SeedErrorBody {
  return errorBody(error.code, error.message, error.param, error.suggestion);
}
