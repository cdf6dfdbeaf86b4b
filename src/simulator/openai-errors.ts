/**
 * OpenAI error bodies: `{error:{message,type,param,code}}` with the type and code OpenAI uses per status.
 */

function errorFields(status: number): { type: string; code: string | null; message: string } {
  switch (status) {
    case 400:
      return { type: 'invalid_request_error', code: null, message: 'Invalid request (simulated).' };
    case 401:
      return {
        type: 'invalid_request_error',
        code: 'invalid_api_key',
        message: 'Incorrect API key provided.',
      };
    case 403:
      return {
        type: 'invalid_request_error',
        code: 'unsupported_country_region_territory',
        message: 'Access denied (simulated).',
      };
    case 404:
      return {
        type: 'invalid_request_error',
        code: 'model_not_found',
        message: 'The model does not exist or you do not have access to it.',
      };
    case 429:
      return {
        type: 'requests',
        code: 'rate_limit_exceeded',
        message: 'Rate limit reached for requests (simulated). Please try again later.',
      };
    case 500:
      return {
        type: 'server_error',
        code: null,
        message: 'The server had an error while processing your request (simulated).',
      };
    case 503:
      return {
        type: 'server_error',
        code: null,
        message: 'The engine is currently overloaded, please try again later (simulated).',
      };
    default:
      return status >= 500
        ? { type: 'server_error', code: null, message: `Upstream failure ${status} (simulated).` }
        : {
            type: 'invalid_request_error',
            code: null,
            message: `Request failed with status ${status} (simulated).`,
          };
  }
}

/** `{error:{message,type,param,code}}`; `message` and `param` override the defaults for the status. */
export function openAIErrorBody(status: number, message?: string, param: string | null = null): string {
  const fields = errorFields(status);
  return JSON.stringify({
    error: { message: message ?? fields.message, type: fields.type, param, code: fields.code },
  });
}
