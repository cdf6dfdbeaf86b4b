/**
 * Writes server-sent events to the client socket as they arrive: no buffering, backpressure respected
 * (a write that fills the socket buffer waits for `drain`), and keep-alive comments while the upstream is
 * silent. The keep-alive is one shared interval for all open streams, not a timer per chunk.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

const KEEPALIVE_COMMENT = ': keep-alive\n\n';

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

export class SseWriter {
  lastWriteAt = Date.now();
  /** When set, every event written is kept (for Idempotency-Key replays). */
  transcript: string[] | undefined;
  readonly #response: ServerResponse;
  readonly #ticker: KeepAliveTicker;
  #ended = false;

  constructor(response: ServerResponse, ticker: KeepAliveTicker, headers: Record<string, string>) {
    this.#response = response;
    this.#ticker = ticker;
    response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    response.flushHeaders();
    ticker.add(this);
  }

  get closed(): boolean {
    return this.#ended || this.#response.destroyed || this.#response.writableEnded;
  }

  /** Write one `data:` event; resolves when the socket can take more. */
  async data(json: string): Promise<void> {
    if (this.closed) return;
    this.lastWriteAt = Date.now();
    const event = `data: ${json}\n\n`;
    this.transcript?.push(event);
    if (!this.#response.write(event)) {
      await Promise.race([once(this.#response, 'drain'), once(this.#response, 'close')]);
    }
  }

  comment(text: string): void {
    if (this.closed) return;
    this.lastWriteAt = Date.now();
    this.#response.write(text);
  }

  end(): void {
    this.#ticker.delete(this);
    if (this.#ended) return;
    this.#ended = true;
    if (!this.#response.destroyed) this.#response.end();
  }
}
