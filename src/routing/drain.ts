/**
 * Graceful shutdown (RELIABILITY.md F12): `begin()` marks the process as draining (new requests are
 * refused by the overload guard); `cut()` ends what is still live when the drain timeout is reached:
 * every upstream call listens to `signal`, and a request cut this way fails with `ShutdownError`, which
 * the HTTP layer sends as a final SSE error event (or a 503) after settling the attempt.
 */
import { PorticoError } from '../errors.ts';

/**
 * The drain cut ended a live request. Not an upstream failure: the deployment is not blamed, nothing is
 * retried, and the client is told to retry (503 + Retry-After) after its attempt is settled.
 */
export class ShutdownError extends Error {
  readonly clientError = new PorticoError('service_unavailable', {
    message: 'The gateway is restarting; retry the request',
    retryAfterSeconds: 1,
    headers: { 'retry-after': '1' },
  });

  constructor() {
    super('the gateway reached its drain timeout while shutting down');
    this.name = 'ShutdownError';
  }
}

export class DrainController {
  readonly #controller = new AbortController();
  /** Controllers of the upstream calls in flight, aborted together by `cut()`. */
  readonly #live = new Set<AbortController>();
  #draining = false;
  #openHolds = 0;
  #idleWaiters: Array<() => void> = [];

  get draining(): boolean {
    return this.#draining;
  }

  /** Aborted when live requests must end now. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  begin(): void {
    this.#draining = true;
  }

  cut(): void {
    this.#draining = true;
    const reason = new ShutdownError();
    this.#controller.abort(reason);
    for (const controller of this.#live) controller.abort(reason);
    this.#live.clear();
  }

  /** Abort `controller` on `cut()` until the returned function is called. */
  track(controller: AbortController): () => void {
    if (this.#controller.signal.aborted) {
      controller.abort(this.#controller.signal.reason);
      return () => undefined;
    }
    this.#live.add(controller);
    return () => {
      this.#live.delete(controller);
    };
  }

  /** Billing tells us about every hold it opens and settles, so shutdown can wait for the last one. */
  holdOpened(): void {
    this.#openHolds++;
  }

  holdSettled(): void {
    this.#openHolds = Math.max(0, this.#openHolds - 1);
    if (this.#openHolds === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  get openHolds(): number {
    return this.#openHolds;
  }

  /** Resolves once no hold of this process is open. */
  idle(): Promise<void> {
    if (this.#openHolds === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}
