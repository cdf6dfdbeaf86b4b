/**
 * Portico's errors in Anthropic's shape: `{"type":"error","error":{"type","message"}}`, with Portico's
 * status and message (docs/decisions/082-door-anthropic-messages.md). The types are the ones Anthropic
 * documents for each status: 402 is `billing_error`, 413 `request_too_large`, 504 `timeout_error`, 503
 * `overloaded_error`. Portico's `param` and `fallback_suggestion` ride beside `message` inside `error`;
 * Anthropic's clients read `type` and `message` and ignore the rest.
 */
import type { PorticoError } from '../../errors.ts';
import { errorHeaders } from '../../http/error-response.ts';
import type { ErrorReply } from '../codec.ts';

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

/** By status, as Anthropic's error page lists them; other 4xx are `invalid_request_error`, other 5xx `api_error`. */
export function anthropicErrorType(status: number): AnthropicErrorType {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
    case 431:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    case 504:
      return 'timeout_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** Canonical field names that this door's clients know by another name. */
const PARAMS: Record<string, string> = { stop: 'stop_sequences', user: 'metadata.user_id' };

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string; param?: string; fallback_suggestion?: string };
}

export function anthropicErrorBody(error: PorticoError): AnthropicErrorBody {
  const body: AnthropicErrorBody = {
    type: 'error',
    error: { type: anthropicErrorType(error.status), message: error.message },
  };
  if (error.param !== undefined) body.error.param = PARAMS[error.param] ?? error.param;
  if (error.suggestion !== undefined) body.error.fallback_suggestion = error.suggestion;
  return body;
}

export function anthropicErrorReply(error: PorticoError): ErrorReply {
  return { status: error.status, headers: errorHeaders(error), body: anthropicErrorBody(error) };
}
