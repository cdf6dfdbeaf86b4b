/**
 * Writes server-sent events to the client socket as they arrive: no buffering, backpressure respected
 * (a write that fills the socket buffer waits for `drain`), keep-alive comments while the upstream is
 * silent, and a write deadline: a client that stops reading for `writeTimeoutMs` is cut off, so a
 * stalled reader cannot keep its hold, its slot and the upstream socket forever (RELIABILITY L6).
 *
 * One set of socket listeners per writer, added once: waiting for `drain` adds nothing per wait (a race
 * of `once(drain)` against `once(close)` left a `close` and an `error` listener behind on every wait).
 * The keep-alive is one shared interval for all open streams, not a timer per chunk.
 */
import type { ServerResponse } from 'node:http';

const KEEPALIVE_COMMENT = ': keep-alive\n\n';
const DEFAULT_WRITE_TIMEOUT_MS = 30_000;

export class KeepAliveTicker {
  readonly #writers = new Set<SseWriter>();
  readonly #interval: NodeJS.Timeout;
  readonly #silenceMs: number;

  constructor(silenceMs = 15_000) {
    this.#silenceMs = silenceMs;
    this.#interval = setInterval(() => this.#tick(), Math.max(250, Math.floor(silenceMs / 3)));
    this.#interval.unref();
  }

  add(writer: SseWriter): void {
    this.#writers.add(writer);
  }

  delete(writer: SseWriter): void {
    this.#writers.delete(writer);
  }

  get size(): number {
    return this.#writers.size;
  }

  #tick(): void {
    const now = Date.now();
    for (const writer of this.#writers) {
      if (now - writer.lastWriteAt >= this.#silenceMs) writer.comment(KEEPALIVE_COMMENT);
    }
  }

  close(): void {
    clearInterval(this.#interval);
    this.#writers.clear();
  }
}

export interface SseWriterOptions {
  /** How long one blocked write may wait for the client to read before the socket is destroyed. */
  writeTimeoutMs?: number;
  /** Aborting it (the drain cut) wakes a blocked write and destroys that socket. */
  signal?: AbortSignal;
  /** Keep every event written (for Idempotency-Key replays). */
  record?: boolean;
}

export class SseWriter {
  lastWriteAt = Date.now();
  readonly #response: ServerResponse;
  readonly #ticker: KeepAliveTicker;
  readonly #writeTimeoutMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #transcript: string[] | undefined;
  #wake: (() => void) | undefined;
  #ended = false;
  readonly #onWake = (): void => {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  };
  /** The drain cut: a write blocked on a client that is not reading will never finish, so cut it. */
  readonly #onAbort = (): void => {
    if (this.#wake === undefined) return;
    this.#response.destroy();
    this.#onWake();
  };

  constructor(
    response: ServerResponse,
    ticker: KeepAliveTicker,
    headers: Record<string, string>,
    options: SseWriterOptions = {},
  ) {
    this.#response = response;
    this.#ticker = ticker;
    this.#writeTimeoutMs = options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS;
    this.#signal = options.signal;
    this.#transcript = options.record ? [] : undefined;
    response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    response.flushHeaders();
    response.on('drain', this.#onWake);
    response.on('close', this.#onWake);
    response.on('error', this.#onWake);
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    ticker.add(this);
  }

  get closed(): boolean {
    return this.#ended || this.#response.destroyed || this.#response.writableEnded;
  }

  /** Write one `data:` event; resolves when the socket can take more. */
  data(json: string): Promise<void> {
    return this.write(`data: ${json}\n\n`);
  }

  /** Write one named event (`event: name` + `data:`), as the Anthropic and Responses dialects frame them. */
  event(name: string, json: string): Promise<void> {
    return this.write(`event: ${name}\ndata: ${json}\n\n`);
  }

  /** Write framed SSE text as is; resolves when the socket can take more (or the client is gone). */
  async write(text: string): Promise<void> {
    if (this.closed) return;
    this.lastWriteAt = Date.now();
    this.#transcript?.push(text);
    if (this.#response.write(text)) return;
    await this.#waitForDrain();
  }

  comment(text: string): void {
    if (this.closed) return;
    this.lastWriteAt = Date.now();
    this.#response.write(text);
  }

  transcript(): string | undefined {
    return this.#transcript?.join('');
  }

  #waitForDrain(): Promise<void> {
    if (this.closed || this.#signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const deadline = setTimeout(() => {
        // The client stopped reading: free the socket; the exchange sees the writer closed.
        this.#response.destroy();
        this.#onWake();
      }, this.#writeTimeoutMs);
      this.#wake = () => {
        clearTimeout(deadline);
        resolve();
      };
    });
  }

  end(): void {
    this.#ticker.delete(this);
    if (this.#ended) return;
    this.#ended = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    const response = this.#response;
    response.off('drain', this.#onWake);
    response.off('close', this.#onWake);
    response.off('error', this.#onWake);
    this.#onWake();
    if (!response.destroyed) response.end();
  }
}
