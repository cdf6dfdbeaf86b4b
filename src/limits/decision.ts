/**
 * Turns per-subject usage into one LimitDecision: the refusal reason, Retry-After and the x-ratelimit-*
 * headers (OpenAI's names, https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers).
 */
import { NEVER, WINDOW_SECONDS } from './sliding-window.ts';
import type { LimitDecision, LimitReason, LimitSpec } from './types.ts';

export interface WindowAxis {
  limit: number;
  /** Usage in the window: after this admission when allowed, as it stands when refused. */
  used: number;
  /** Milliseconds until this request would fit (0 = fits now, NEVER = larger than the limit). */
  waitMs: number;
  /** Milliseconds until the window is empty again ("resets to its initial state", as OpenAI puts it). */
  resetMs: number;
}

export interface ConcurrencyAxis {
  limit: number;
  /** In flight: including this request when allowed, as it stands when refused. */
  inFlight: number;
}

export interface SubjectOutcome {
  requests?: WindowAxis;
  tokens?: WindowAxis;
  concurrency?: ConcurrencyAxis;
}

/** A slot frees when some request ends, which nobody can predict; clients are told to retry in 1 s. */
const CONCURRENCY_RETRY_MS = 1000;

/** A spec's limit on one axis, or null when unlimited. Negative or non-finite values mean unlimited. */
export function limitOf(spec: LimitSpec, axis: keyof LimitSpec): number | null {
  const value = spec[axis];
  if (value === null || value === undefined || !Number.isFinite(value) || value < 0) return null;
  return Math.floor(value);
}

/** Token counts are whole and non-negative; anything else (NaN, negative) counts as 0. */
export function normalizeTokens(tokens: number): number {
  return Number.isFinite(tokens) && tokens > 0 ? Math.ceil(tokens) : 0;
}

/** OpenAI's reset format, rounded up to whole seconds: "0s", "6s", "1m0s", "1m1s". */
export function formatResetDuration(milliseconds: number): string {
  const seconds = Math.max(0, Math.ceil(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

function mostRestrictive<T>(
  axes: ReadonlyArray<T | undefined>,
  remaining: (axis: T) => number,
): T | undefined {
  let chosen: T | undefined;
  for (const axis of axes) {
    if (axis === undefined) continue;
    if (chosen === undefined || remaining(axis) < remaining(chosen)) chosen = axis;
  }
  return chosen;
}

function windowHeaders(headers: Record<string, string>, suffix: string, axis: WindowAxis | undefined): void {
  if (!axis) return;
  headers[`x-ratelimit-limit-${suffix}`] = String(axis.limit);
  headers[`x-ratelimit-remaining-${suffix}`] = String(Math.max(0, axis.limit - axis.used));
  headers[`x-ratelimit-reset-${suffix}`] = formatResetDuration(axis.resetMs);
}

export function buildHeaders(outcomes: ReadonlyArray<SubjectOutcome>): Record<string, string> {
  const headers: Record<string, string> = {};
  const windowRemaining = (axis: WindowAxis): number => axis.limit - axis.used;
  windowHeaders(
    headers,
    'requests',
    mostRestrictive(
      outcomes.map((outcome) => outcome.requests),
      windowRemaining,
    ),
  );
  windowHeaders(
    headers,
    'tokens',
    mostRestrictive(
      outcomes.map((outcome) => outcome.tokens),
      windowRemaining,
    ),
  );
  const concurrency = mostRestrictive(
    outcomes.map((outcome) => outcome.concurrency),
    (axis) => axis.limit - axis.inFlight,
  );
  if (concurrency) {
    // Not an OpenAI header; Portico's own, named in the same family.
    headers['x-ratelimit-limit-concurrency'] = String(concurrency.limit);
    headers['x-ratelimit-remaining-concurrency'] = String(
      Math.max(0, concurrency.limit - concurrency.inFlight),
    );
  }
  return headers;
}

function waitForWindow(waitMs: number): number {
  return waitMs === NEVER ? WINDOW_SECONDS * 1000 : waitMs;
}

/** The refusing axis with the longest wait decides the reason; its wait decides Retry-After. */
export function buildDecision(allowed: boolean, outcomes: ReadonlyArray<SubjectOutcome>): LimitDecision {
  const headers = buildHeaders(outcomes);
  if (allowed) return { allowed, headers };
  let reason: LimitReason = 'requests';
  let longestMs = -1;
  const consider = (candidate: LimitReason, waitMs: number): void => {
    if (waitMs > longestMs) {
      longestMs = waitMs;
      reason = candidate;
    }
  };
  for (const outcome of outcomes) {
    if (outcome.requests && outcome.requests.waitMs !== 0)
      consider('requests', waitForWindow(outcome.requests.waitMs));
    if (outcome.tokens && outcome.tokens.waitMs !== 0)
      consider('tokens', waitForWindow(outcome.tokens.waitMs));
    const concurrency = outcome.concurrency;
    if (concurrency && concurrency.inFlight >= concurrency.limit)
      consider('concurrency', CONCURRENCY_RETRY_MS);
  }
  // Never longer than the window the limit describes: a client told 61 s on a 60 s window (LangChain
  // refuses waits past 60 s) would give up on a request that is admissible within the window.
  const retryAfterSeconds = Math.min(WINDOW_SECONDS, Math.max(1, Math.ceil(Math.max(longestMs, 0) / 1000)));
  return { allowed, retryAfterSeconds, headers, reason };
}
