/**
 * Gemini error bodies (gemini-mapping.md §8): `{error:{code,message,status,details?}}`, pretty-printed
 * as Google sends them, with `ErrorInfo` for a reason and `QuotaFailure` + `RetryInfo` on 429.
 */

function statusName(status: number): string {
  switch (status) {
    case 400:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'ABORTED';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 500:
      return 'INTERNAL';
    case 501:
      return 'NOT_IMPLEMENTED';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return status >= 500 ? 'UNKNOWN' : 'FAILED_PRECONDITION';
  }
}

function defaultMessage(status: number, model: string, retrySeconds: number): string {
  switch (status) {
    case 400:
      return 'Request contains an invalid argument (simulated).';
    case 403:
      return 'The caller does not have permission (simulated).';
    case 404:
      return `models/${model} is not found for API version v1beta (simulated).`;
    case 429:
      return `You exceeded your current quota (simulated). Please retry in ${retrySeconds}s.`;
    case 500:
      return 'An internal error has occurred (simulated).';
    case 503:
      return 'The model is overloaded (simulated). Please try again later.';
    default:
      return `Simulated upstream error ${status}.`;
  }
}

export interface GeminiErrorOptions {
  readonly model?: string;
  readonly message?: string;
  readonly reason?: string | null;
  readonly retryAfterSeconds?: number | null;
}

/** `{error:{code,message,status,details?}}`, pretty-printed as Google sends it. */
export function geminiErrorBody(status: number, options: GeminiErrorOptions = {}): string {
  const model = options.model ?? 'unknown';
  const retrySeconds = options.retryAfterSeconds ?? 2;
  const details: Record<string, unknown>[] = [];
  let message = options.message ?? defaultMessage(status, model, retrySeconds);
  if (options.reason === 'API_KEY_INVALID')
    message = options.message ?? 'API key not valid. Please pass a valid API key.';
  if (options.reason) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: options.reason,
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    });
    details.push({ '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message });
  }
  if (status === 429) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [
        {
          quotaMetric: 'generativelanguage.googleapis.com/generate_content_requests',
          quotaId: 'GenerateRequestsPerMinutePerProjectPerModel',
          quotaDimensions: { model, location: 'global' },
          quotaValue: '10',
        },
      ],
    });
    details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retrySeconds}s` });
  }
  const error: Record<string, unknown> = { code: status, message, status: statusName(status) };
  if (details.length > 0) error.details = details;
  return JSON.stringify({ error }, null, 2);
}
