/** The exchange's stream sink for any door: the door's encoder in front of an `SseWriter`. */
import type { PorticoError } from '../errors.ts';
import type { ChunkChoice } from '../openai/response.ts';
import type { Served, StreamFinal, StreamSink } from '../pipeline/exchange/types.ts';
import type { SseWriter } from '../http/sse-writer.ts';
import type { StreamEncoder } from './codec.ts';

export class SseSink implements StreamSink {
  readonly #encoder: StreamEncoder;
  readonly #open: (served: Served) => SseWriter;
  #writer: SseWriter | undefined;

  /** `open` sends the response head (status, headers) and returns the writer: called on `start`. */
  constructor(encoder: StreamEncoder, open: (served: Served) => SseWriter) {
    this.#encoder = encoder;
    this.#open = open;
  }

  get writer(): SseWriter | undefined {
    return this.#writer;
  }

  get gone(): boolean {
    return this.#writer?.closed ?? false;
  }

  start(served: Served): void {
    this.#writer = this.#open(served);
    const head = this.#encoder.start(served);
    if (head) void this.#writer.write(head);
  }

  choices(choices: ChunkChoice[], native?: unknown): Promise<void> {
    return this.#write(this.#encoder.choices(choices, native));
  }

  finish(final: StreamFinal): Promise<void> {
    return this.#write(this.#encoder.finish(final));
  }

  fail(error: PorticoError): Promise<void> {
    return this.#write(this.#encoder.fail(error));
  }

  transcript(): string | undefined {
    return this.#writer?.transcript();
  }

  #write(text: string): Promise<void> {
    if (!this.#writer || !text) return Promise.resolve();
    return this.#writer.write(text);
  }
}
