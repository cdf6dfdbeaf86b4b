/** The limiter contract the pipeline's rate-limit stage uses; implemented in memory and over Redis. */

/** Limits of one subject (an API key, an account). `null` or absent means "no limit on this axis". */
export interface LimitSpec {
  /** Requests admitted in any 60-second window. */
  rpm?: number | null;
  /** Estimated tokens admitted in any 60-second window (corrected to actual usage at release). */
  tpm?: number | null;
  /** Requests in flight at once. */
  maxConcurrency?: number | null;
}

export type LimitReason = 'requests' | 'tokens' | 'concurrency';

export interface LimitDecision {
  allowed: boolean;
  /** Whole seconds, at least 1, until the refused request could pass; only on refusals. */
  retryAfterSeconds?: number;
  /** `x-ratelimit-*` headers, OpenAI's names, from the most restrictive subject on each axis. */
  headers: Record<string, string>;
  /** Which axis refused; only on refusals. */
  reason?: LimitReason;
}

/** Handed out with every admission; its release settles the token estimate and frees the slot. */
export interface AdmissionTicket {
  /**
   * Correct the token estimate to `actualTokens` (a refund when lower, an extra charge when higher) and
   * free the concurrency slot. Idempotent; never rejects.
   */
  release(actualTokens: number): Promise<void>;
}

export interface AdmitSubject {
  /** A stable name such as `key:<id>` or `account:<id>`. */
  id: string;
  spec: LimitSpec;
}

export interface LimiterStatus {
  healthy: boolean;
  /** Why the limiter is running on its fallback, when it is. */
  degraded?: string;
}

export interface Limiter {
  readonly kind: 'memory' | 'redis';
  /**
   * Admit one request for every subject, each with its own spec. All or nothing: when any subject
   * refuses, nothing is consumed for any of them.
   */
  admit(
    subjects: ReadonlyArray<AdmitSubject>,
    estimatedTokens: number,
  ): Promise<{ decision: LimitDecision; ticket?: AdmissionTicket }>;
  status(): LimiterStatus;
  close(): Promise<void>;
}
