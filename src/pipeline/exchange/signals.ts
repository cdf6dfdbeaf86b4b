/**
 * One request's abort wiring: the upstream call is aborted when the client leaves or when the drain cut
 * ends live requests at shutdown. One controller per request, not `AbortSignal.any`: on Node 20 every
 * composite signal stays referenced from the long-lived drain signal (about 60 bytes a request,
 * measured). The drain tracks live controllers in a set instead; `release()` takes this one out.
 */
import type { DrainController } from '../../routing/drain.ts';

export class ClientGoneError extends Error {
  constructor() {
    super('client disconnected');
    this.name = 'ClientGoneError';
  }
}

export class RequestSignals {
  readonly client: AbortSignal;
  readonly drain: AbortSignal;
  readonly #upstream = new AbortController();
  readonly #untrack: () => void;
  readonly #onClientAbort = (): void => this.#upstream.abort(this.client.reason);
  #released = false;

  constructor(client: AbortSignal, drain: DrainController) {
    this.client = client;
    this.drain = drain.signal;
    if (client.aborted) this.#upstream.abort(client.reason);
    else client.addEventListener('abort', this.#onClientAbort, { once: true });
    this.#untrack = drain.track(this.#upstream);
  }

  /** Aborted by the client leaving or the drain cut: what every upstream call and wait listens to. */
  get upstream(): AbortSignal {
    return this.#upstream.signal;
  }

  /** True when the drain cut (not the client) ended the request. */
  get cut(): boolean {
    return this.drain.aborted && !this.client.aborted;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.client.removeEventListener('abort', this.#onClientAbort);
    this.#untrack();
  }
}
