/**
 * What this process knows about each deployment's health: its circuit breaker, its recent latency (an
 * exponentially weighted moving average) and whether it asked us to back off (`Retry-After`). Keyed by
 * the deployment label (`provider/model`): two models served by the same upstream model share it.
 */
import type { UpstreamError } from '../providers/shared/upstream-error.ts';
import { CircuitBreaker, type BreakerOptions, type BreakerState } from './circuit-breaker.ts';

/** Weight of the newest sample in the latency average. */
const LATENCY_ALPHA = 0.3;
/** A latency older than this says little; the deployment is explored again as if unknown. */
const LATENCY_STALE_MS = 60_000;
/** An upstream's Retry-After longer than this is capped: a misbehaving upstream cannot park itself. */
const MAX_COOLING_MS = 10 * 60_000;

export interface HealthSnapshot {
  readonly breaker: BreakerState;
  readonly latencyMs: number | undefined;
  readonly coolingUntil: number;
  readonly consecutiveFailures: number;
}

class DeploymentState {
  readonly breaker: CircuitBreaker;
  latencyMs: number | undefined;
  latencyAt = 0;
  coolingUntil = 0;
  coolingStatus = 429;

  constructor(options: Partial<BreakerOptions>) {
    this.breaker = new CircuitBreaker(options);
  }
}

/** How an attempt's failure counts against the deployment. */
function breakerVerdict(error: UpstreamError): 'failure' | 'success' | 'neutral' {
  switch (error.kind) {
    case 'aborted':
      return 'neutral';
    case 'connect':
    case 'timeout_connect':
    case 'timeout_first_byte':
    case 'timeout_idle':
    case 'reset':
    case 'protocol':
      return 'failure';
    case 'status': {
      const status = error.upstreamStatus ?? 0;
      // 429 is the upstream pacing us (handled by cooling), other 4xx are the request's fault; an
      // upstream 401/403 means our credentials for this deployment are broken.
      if (status >= 500 || status === 401 || status === 403) return 'failure';
      return status === 429 ? 'neutral' : 'success';
    }
  }
}

export class DeploymentHealth {
  readonly #states = new Map<string, DeploymentState>();
  #breakerOptions: Partial<BreakerOptions>;

  constructor(breakerOptions: Partial<BreakerOptions> = {}) {
    this.#breakerOptions = breakerOptions;
  }

  /** Replace the breaker settings (tests); forgets what was learnt. */
  configure(breakerOptions: Partial<BreakerOptions>): void {
    this.#breakerOptions = breakerOptions;
    this.#states.clear();
  }

  #state(label: string): DeploymentState {
    let state = this.#states.get(label);
    if (!state) {
      state = new DeploymentState(this.#breakerOptions);
      this.#states.set(label, state);
    }
    return state;
  }

  snapshot(label: string, now: number): HealthSnapshot {
    const state = this.#state(label);
    return {
      breaker: state.breaker.state(now),
      latencyMs: now - state.latencyAt > LATENCY_STALE_MS ? undefined : state.latencyMs,
      coolingUntil: state.coolingUntil,
      consecutiveFailures: state.breaker.consecutiveFailures,
    };
  }

  /** When an open breaker lets a probe through (0 when closed). */
  reopenAt(label: string): number {
    return this.#state(label).breaker.reopenAt;
  }

  coolingUntil(label: string): number {
    return this.#state(label).coolingUntil;
  }

  coolingStatus(label: string): number {
    return this.#state(label).coolingStatus;
  }

  tryAcquire(label: string, now: number): boolean {
    return this.#state(label).breaker.tryAcquire(now);
  }

  recordLatency(label: string, latencyMs: number, now: number): void {
    const state = this.#state(label);
    const fresh = state.latencyMs === undefined || now - state.latencyAt > LATENCY_STALE_MS;
    state.latencyMs = fresh
      ? latencyMs
      : LATENCY_ALPHA * latencyMs + (1 - LATENCY_ALPHA) * (state.latencyMs ?? latencyMs);
    state.latencyAt = now;
  }

  recordSuccess(label: string): void {
    this.#state(label).breaker.onSuccess();
  }

  /** The attempt ended with no verdict on the deployment (client gone, gateway shutting down). */
  release(label: string): void {
    this.#state(label).breaker.release();
  }

  recordFailure(label: string, error: UpstreamError, now: number): void {
    const state = this.#state(label);
    const verdict = breakerVerdict(error);
    if (verdict === 'failure') state.breaker.onFailure(now);
    else if (verdict === 'success') state.breaker.onSuccess();
    else state.breaker.release();
    const status = error.upstreamStatus;
    if (
      error.kind === 'status' &&
      (status === 429 || status === 503) &&
      error.upstreamRetryAfterSeconds !== undefined
    ) {
      // Honour the upstream's Retry-After: nothing goes to this deployment inside the window (F5). A
      // default the gateway filled in for the client is not the upstream's word and cools nothing.
      const until = now + Math.min(MAX_COOLING_MS, error.upstreamRetryAfterSeconds * 1000);
      if (until > state.coolingUntil) {
        state.coolingUntil = until;
        state.coolingStatus = status;
      }
    }
  }
}
