/**
 * Errors in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`. `type` is Portico's error
 * type (invalid_request_error, permission_error, ...), `code` its catalogue code (docs/errors.md), and
 * `fallback_suggestion` rides beside them as on the chat door. A `param` that names a canonical field is
 * put back in this dialect's terms (`max_completion_tokens` -> `max_output_tokens`, `messages[3]` ->
 * `input`), since the client never sent the canonical request.
 */
import type { PorticoError } from '../../errors.ts';
import { errorHeaders } from '../../http/error-response.ts';
import type { ErrorReply } from '../codec.ts';

const PARAM_NAMES: Readonly<Record<string, string>> = {
  max_completion_tokens: 'max_output_tokens',
  max_tokens: 'max_output_tokens',
  response_format: 'text.format',
  reasoning_effort: 'reasoning.effort',
  verbosity: 'text.verbosity',
  logprobs: 'include',
  messages: 'input',
};

export function responsesParam(param: string | undefined): string | null {
  if (param === undefined) return null;
  const head = /^[a-z_]+/.exec(param)?.[0] ?? '';
  const renamed = PARAM_NAMES[head];
  if (renamed === undefined) return param;
  // Message indexes do not match input item indexes (instructions, folded assistant turns).
  return head === 'messages' ? renamed : renamed + param.slice(head.length);
}

export function responsesErrorCode(error: PorticoError): { type: string; code: string } {
  return { type: error.toBody().error.type, code: error.code };
}

export function responsesErrorBody(error: PorticoError): unknown {
  const seed = error.toBody().error;
  return {
    error: {
      message: error.message,
      type: seed.type,
      param: responsesParam(error.param),
      code: error.code,
      ...(seed.fallback_suggestion !== undefined ? { fallback_suggestion: seed.fallback_suggestion } : {}),
    },
  };
}

export function responsesErrorReply(error: PorticoError): ErrorReply {
  return { status: error.status, headers: errorHeaders(error), body: responsesErrorBody(error) };
}
