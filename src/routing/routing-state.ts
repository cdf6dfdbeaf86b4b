/**
 * The routing state of one process, built once in `createServices`: deployment health (breakers,
 * latency, cooling), the retry budget and the drain controller. No module-level state.
 */
import type { BreakerOptions } from './circuit-breaker.ts';
import { DeploymentHealth } from './deployment-health.ts';
import { DrainController } from './drain.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.ts';

export interface RoutingOptions {
  retry?: Partial<RetryPolicy>;
  breaker?: Partial<BreakerOptions>;
  /** The time routing decisions use (tests move it forward instead of waiting out cool-downs). */
  clock?: () => number;
}

export class RoutingState {
  readonly health: DeploymentHealth;
  readonly drain = new DrainController();
  #policy: RetryPolicy;
  #clock: () => number;

  constructor(options: RoutingOptions = {}) {
    this.health = new DeploymentHealth(options.breaker);
    this.#policy = Object.freeze({ ...DEFAULT_RETRY_POLICY, ...options.retry });
    this.#clock = options.clock ?? Date.now;
  }

  now(): number {
    return this.#clock();
  }

  get policy(): RetryPolicy {
    return this.#policy;
  }

  /** Change the retry budget or breaker settings (tests use small ones); forgets learnt health. */
  configure(options: RoutingOptions): void {
    if (options.retry) this.#policy = Object.freeze({ ...DEFAULT_RETRY_POLICY, ...options.retry });
    if (options.breaker) this.health.configure(options.breaker);
    if (options.clock) this.#clock = options.clock;
  }
}
