/**
 * Which failures may be tried again, where, and how long to wait (DESIGN.md §8). A retry must never
 * double-bill: only failures the upstream cannot have billed may hit the same deployment again; a few
 * more (no answer in time, a stream that failed before its first real chunk) may move to another
 * deployment, because nothing reached the client and the failed attempt is settled at what it reported.
 */
import type { UpstreamError } from '../providers/shared/upstream-error.ts';

export interface RetryPolicy {
  /** Upstream attempts per request, across deployments and fallbacks. */
  readonly maxAttempts: number;
  /** Total time one request may spend waiting (backoff and Retry-After) between attempts. */
  readonly maxWaitMs: number;
  /** Backoff before retrying the same deployment: base * 2^(n-1), capped, with full jitter. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 4,
  maxWaitMs: 2_000,
  backoffBaseMs: 100,
  backoffMaxMs: 1_000,
});

/** `same`: may retry this deployment; `other`: only a different one; `none`: the request ends. */
export type RetryScope = 'same' | 'other' | 'none';

export function retryScope(error: UpstreamError, stream: boolean): RetryScope {
  if (error.unbilled) return 'same';
  switch (error.kind) {
    case 'timeout_first_byte':
      // No answer at all in time: the client has nothing, another deployment may answer (F1).
      return 'other';
    case 'protocol':
      // A stream that failed (error event, garbage) before its first real chunk: the first chunk decides.
      return stream ? 'other' : 'none';
    default:
      return 'none';
  }
}

/** Full jitter (a random point in [0, cap]) spreads retries of many clients apart. */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * cap);
}
