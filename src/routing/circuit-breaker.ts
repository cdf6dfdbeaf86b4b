/**
 * A circuit breaker for one deployment (RELIABILITY.md F6, after Envoy's outlier detection). It opens
 * after `consecutiveFailures` failures in a row, or when the failures among the last `windowSize`
 * outcomes reach `errorRatio` (once at least `minimumInWindow` outcomes were seen). An open breaker lets
 * one probe through after a cool-down; each re-open without a success in between doubles the cool-down,
 * up to `maxCooldownMs`. Time is passed in, so tests drive it without waiting.
 */

export interface BreakerOptions {
  readonly consecutiveFailures: number;
  readonly windowSize: number;
  readonly minimumInWindow: number;
  readonly errorRatio: number;
  readonly baseCooldownMs: number;
  readonly maxCooldownMs: number;
}

export const DEFAULT_BREAKER_OPTIONS: BreakerOptions = Object.freeze({
  consecutiveFailures: 5,
  windowSize: 20,
  minimumInWindow: 10,
  errorRatio: 0.5,
  baseCooldownMs: 5_000,
  maxCooldownMs: 60_000,
});

export type BreakerState = 'closed' | 'open' | 'half_open';

export class CircuitBreaker {
  readonly #options: BreakerOptions;
  /** Ring of recent outcomes (true = failure). */
  readonly #window: boolean[] = [];
  #next = 0;
  #consecutive = 0;
  #open = false;
  #reopenAt = 0;
  /** Opens since the last success; the cool-down doubles with each. */
  #trips = 0;
  /** When the half-open probe was let through; 0 when none is in flight. */
  #probeSince = 0;

  constructor(options: Partial<BreakerOptions> = {}) {
    this.#options = Object.freeze({ ...DEFAULT_BREAKER_OPTIONS, ...options });
  }

  state(now: number): BreakerState {
    if (!this.#open) return 'closed';
    return now >= this.#reopenAt ? 'half_open' : 'open';
  }

  /** When an open breaker lets its next probe through. */
  get reopenAt(): number {
    return this.#reopenAt;
  }

  get consecutiveFailures(): number {
    return this.#consecutive;
  }

  /** Whether a request may go to this deployment now; in half-open, only one probe at a time. */
  tryAcquire(now: number): boolean {
    const state = this.state(now);
    if (state === 'closed') return true;
    if (state === 'open') return false;
    // A probe that never reported (a bug, or a lost request) must not keep the breaker shut forever.
    if (this.#probeSince !== 0 && now - this.#probeSince < this.#options.maxCooldownMs) return false;
    this.#probeSince = now;
    return true;
  }

  onSuccess(): void {
    this.#record(false);
    this.#consecutive = 0;
    this.#probeSince = 0;
    if (this.#open) {
      this.#open = false;
      this.#trips = 0;
      this.#window.length = 0;
      this.#next = 0;
    }
  }

  onFailure(now: number): void {
    this.#record(true);
    this.#consecutive++;
    const probeFailed = this.#open && this.#probeSince !== 0;
    this.#probeSince = 0;
    if (probeFailed || (!this.#open && this.#shouldOpen())) this.#trip(now);
  }

  /** The attempt ended without telling anything about the deployment (the client went away). */
  release(): void {
    this.#probeSince = 0;
  }

  #record(failure: boolean): void {
    const size = this.#options.windowSize;
    if (this.#window.length < size) this.#window.push(failure);
    else this.#window[this.#next] = failure;
    this.#next = (this.#next + 1) % size;
  }

  #shouldOpen(): boolean {
    if (this.#consecutive >= this.#options.consecutiveFailures) return true;
    if (this.#window.length < this.#options.minimumInWindow) return false;
    const failures = this.#window.reduce((sum, failure) => sum + (failure ? 1 : 0), 0);
    return failures / this.#window.length >= this.#options.errorRatio;
  }

  #trip(now: number): void {
    this.#open = true;
    this.#trips++;
    const cooldown = Math.min(
      this.#options.maxCooldownMs,
      this.#options.baseCooldownMs * 2 ** (this.#trips - 1),
    );
    this.#reopenAt = now + cooldown;
  }
}
