/**
 * Load shedding (RELIABILITY.md L5): past a global bound of requests in flight, or while the event loop
 * lags, new API requests are refused at once with 503 + `Retry-After` in the seed's error format, so the
 * requests already admitted keep their latency instead of everyone slowing down. While the process
 * drains for shutdown, new requests are refused the same way and their connection is closed.
 * Health, readiness and metrics are never shed: an operator must see an overloaded gateway. Only
 * authenticated requests with their whole body count against the bound (issue 17).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { PorticoError } from '../errors.ts';
import type { Services } from '../services.ts';
import { isClientApiPath } from './client-key.ts';
import { sendError } from './error-response.ts';

export interface OverloadOptions {
  readonly maxConcurrency: number;
  /**
   * Median event-loop delay above which a sample window counts as lagging; new requests are shed once
   * `lagWindows` windows in a row lagged (one long pause, a GC or a compile, is not overload).
   */
  readonly maxLagMs: number;
  readonly lagWindows?: number;
  readonly sampleEveryMs: number;
  /** Returns the lag of the last window in ms; defaults to a `monitorEventLoopDelay` histogram. */
  readonly sampleLag?: () => number;
  readonly isDraining?: () => boolean;
}

export const DEFAULT_MAX_LAG_MS = 200;

export type ShedReason = 'draining' | 'concurrency' | 'event_loop_lag';

export class OverloadGuard {
  readonly #options: OverloadOptions;
  readonly #histogram: IntervalHistogram | undefined;
  readonly #timer: NodeJS.Timeout;
  #inFlight = 0;
  #lagging = false;
  #laggingWindows = 0;

  constructor(options: OverloadOptions) {
    this.#options = options;
    if (!options.sampleLag) {
      this.#histogram = monitorEventLoopDelay({ resolution: 10 });
      this.#histogram.enable();
    }
    this.#timer = setInterval(() => this.sample(), options.sampleEveryMs);
    this.#timer.unref();
  }

  get isDraining(): boolean {
    return this.#options.isDraining?.() ?? false;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Read the lag of the window that just ended and start a new one. */
  sample(): void {
    let lagMs: number;
    if (this.#options.sampleLag) lagMs = this.#options.sampleLag();
    else {
      const histogram = this.#histogram as IntervalHistogram;
      lagMs = histogram.count > 0 ? histogram.percentile(50) / 1e6 : 0;
      histogram.reset();
    }
    this.#laggingWindows = lagMs > this.#options.maxLagMs ? this.#laggingWindows + 1 : 0;
    this.#lagging = this.#laggingWindows >= (this.#options.lagWindows ?? 2);
  }

  /** Admit one request (the caller must `leave()` once), or say why not. */
  enter(): ShedReason | undefined {
    if (this.#options.isDraining?.()) return 'draining';
    if (this.#inFlight >= this.#options.maxConcurrency) return 'concurrency';
    if (this.#lagging) return 'event_loop_lag';
    this.#inFlight++;
    return undefined;
  }

  leave(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#histogram?.disable();
  }
}

const SHED_MESSAGES: Record<ShedReason, string> = {
  draining: 'The gateway is restarting',
  concurrency: 'The gateway is at capacity',
  event_loop_lag: 'The gateway is overloaded',
};

export function registerOverloadGuard(app: FastifyInstance, services: Services): OverloadGuard {
  const guard = new OverloadGuard({
    maxConcurrency: services.config.maxConcurrency,
    maxLagMs: DEFAULT_MAX_LAG_MS,
    sampleEveryMs: 250,
    isDraining: () => services.routing.drain.draining,
  });
  // A draining process turns new requests away before reading them.
  app.addHook('onRequest', async (request, reply) => {
    if (!isClientApiPath(request.url) || !guard.isDraining) return;
    reply.header('connection', 'close');
    await sendError(
      reply,
      new PorticoError('service_unavailable', { message: SHED_MESSAGES.draining, retryAfterSeconds: 1 }),
    );
    return reply;
  });
  // The bound counts only requests that authenticated (client-gate.ts, in onRequest) and whose body
  // arrived and parsed: a slow or unauthenticated client never holds one of its slots (issue 17, High 2).
  app.addHook('preHandler', async (request, reply) => {
    if (!isClientApiPath(request.url)) return;
    const reason = guard.enter();
    if (reason) {
      if (reason === 'draining') reply.header('connection', 'close');
      await sendError(
        reply,
        new PorticoError('service_unavailable', { message: SHED_MESSAGES[reason], retryAfterSeconds: 1 }),
      );
      return reply;
    }
    let left = false;
    reply.raw.once('close', () => {
      if (left) return;
      left = true;
      guard.leave();
    });
  });
  app.addHook('onClose', async () => guard.close());
  return guard;
}
