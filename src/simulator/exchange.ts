/**
 * One request/response pair while the simulator serves it: knows whether the client went away, lets
 * the server wait (latency, chunk delays, backpressure) without outliving the connection, and closes
 * the attempt's record exactly once when the response is over.
 */
import type { ServerResponse } from 'node:http';
import type { AttemptLog } from './attempts.ts';
import type { SimulatorAttempt } from './types.ts';

export class Exchange {
  readonly response: ServerResponse;
  readonly attempt: SimulatorAttempt;
  #done = false;
  #closed = false;
  #wake: (() => void) | null = null;

  constructor(response: ServerResponse, attempt: SimulatorAttempt, log: AttemptLog) {
    this.response = response;
    this.attempt = attempt;
    response.on('close', () => {
      this.#closed = true;
      // Anything but an answer the simulator completed (or cut on purpose) is the client leaving.
      if (!this.#done) attempt.aborted = true;
      attempt.endedAt = Date.now();
      this.#wakeUp();
      log.ended(attempt);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Waits `ms`, or less if the connection closes first. */
  sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#wakeUp(), ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Waits for the socket to take more data (backpressure), or for the connection to close. */
  drain(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const onDrain = () => this.#wakeUp();
      this.response.once('drain', onDrain);
      this.#wake = () => {
        this.response.off('drain', onDrain);
        resolve();
      };
    });
  }

  /** Ends the response normally. */
  end(text?: string): void {
    this.#done = true;
    this.response.end(text);
  }

  /** Marks the attempt as finished by the simulator without ending the response (a reset follows). */
  markDone(): void {
    this.#done = true;
  }

  /**
   * Drops the connection mid-answer. Before any byte is sent, with a TCP reset; after, by closing the
   * socket once what was written has been flushed, because a reset makes the peer's kernel discard data
   * it has not read yet, and "n chunks, then the socket dies" must deliver the n chunks.
   */
  reset(): void {
    this.#done = true;
    const socket = this.response.socket;
    if (!socket) return void this.response.destroy();
    if (!this.response.headersSent && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    // Only once the response's pending writes reached the socket: Node 24 holds them back until the next
    // tick, and closing the socket before then delivered nothing at all.
    else this.response.write('', () => socket.destroySoon());
  }
}
