/**
 * Reads a request body into one buffer (issue 17). Compared with collecting chunks and concatenating at
 * the end, the body is copied chunk by chunk as it arrives into a buffer sized from `Content-Length`, so
 * no single 15 MB copy holds the event loop. The size limit is enforced before and while reading (413),
 * and the whole body must arrive within a deadline (408): a client trickling its body cannot hold a
 * connection and its memory for the server's full request timeout.
 */
import type { Readable } from 'node:stream';
import { PorticoError } from '../errors.ts';

const YIELD_EVERY_BYTES = 256 * 1024;

export interface BodyLimits {
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/**
 * Large body buffers, kept for reuse once their body is parsed. A fresh large buffer is fresh memory
 * pages, and touching them costs the kernel a page fault each (about 100 ms per 15 MB measured on a
 * virtual machine); a reused one costs a memory copy. At most `maxBuffers` are kept.
 */
export class BodyBufferPool {
  readonly #free: Buffer[] = [];
  readonly #maxBuffers: number;
  static readonly MIN_POOLED_BYTES = 1024 * 1024;

  constructor(maxBuffers = 4) {
    this.#maxBuffers = maxBuffers;
  }

  take(size: number): Buffer {
    if (size >= BodyBufferPool.MIN_POOLED_BYTES) {
      const index = this.#free.findIndex((buffer) => buffer.length >= size);
      if (index >= 0) return this.#free.splice(index, 1)[0] as Buffer;
    }
    return Buffer.allocUnsafe(size);
  }

  /** Hand a buffer back once nothing refers to its bytes any more. */
  give(buffer: Buffer): void {
    const whole = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.buffer.byteLength - buffer.byteOffset);
    if (whole.length < BodyBufferPool.MIN_POOLED_BYTES || buffer.byteOffset !== 0) return;
    if (this.#free.length >= this.#maxBuffers) this.#free.shift();
    this.#free.push(whole);
  }
}

export function readBody(
  payload: Readable,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  limits: BodyLimits,
  pool?: BodyBufferPool,
): Promise<Buffer> {
  const declared = headers['content-length'] === undefined ? Number.NaN : Number(headers['content-length']);
  if (declared > limits.maxBytes) return Promise.reject(new PorticoError('body_too_large'));
  return new Promise<Buffer>((resolve, reject) => {
    const allocate = (size: number) => (pool ? pool.take(size) : Buffer.allocUnsafe(size));
    let buffer = allocate(Number.isNaN(declared) ? 64 * 1024 : declared);
    let received = 0;
    let sinceYield = 0;
    const finish = (error: Error | undefined): void => {
      clearTimeout(timer);
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', onError);
      if (error) {
        // The rest of the body is left unread: the answer closes the connection with a lingering close.
        payload.pause();
        pool?.give(buffer);
        reject(error);
      } else resolve(buffer.subarray(0, received));
    };
    const onData = (chunk: Buffer): void => {
      if (received + chunk.length > limits.maxBytes) return finish(new PorticoError('body_too_large'));
      if (received + chunk.length > buffer.length) {
        if (!Number.isNaN(declared)) {
          return finish(
            new PorticoError('invalid_request', { message: 'Content-Length does not match the body' }),
          );
        }
        const grown = allocate(
          Math.min(limits.maxBytes, Math.max(buffer.length * 2, received + chunk.length)),
        );
        buffer.copy(grown, 0, 0, received);
        pool?.give(buffer);
        buffer = grown;
      }
      chunk.copy(buffer, received);
      received += chunk.length;
      // A socket with data waiting delivers many chunks in one turn of the event loop; pausing after
      // each slice lets other clients in between (first writes to a fresh buffer fault its pages in,
      // which is slow on some virtual machines).
      sinceYield += chunk.length;
      if (sinceYield >= YIELD_EVERY_BYTES) {
        sinceYield = 0;
        payload.pause();
        setImmediate(() => payload.resume());
      }
    };
    const onEnd = (): void => {
      if (!Number.isNaN(declared) && received !== declared) {
        return finish(
          new PorticoError('invalid_request', { message: 'Content-Length does not match the body' }),
        );
      }
      finish(undefined);
    };
    const onError = (error: Error): void =>
      finish(new PorticoError('invalid_request', { message: 'The request body was cut off', cause: error }));
    const timer = setTimeout(() => finish(new PorticoError('request_timeout')), limits.timeoutMs);
    timer.unref();
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.resume();
  });
}
