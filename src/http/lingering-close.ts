/**
 * A lingering close (issue 17, Medium 9), as nginx does it: when Portico answers before it has read the
 * whole body (413, 401 before the body, 408) and closes the connection, it first lets the client finish
 * sending, reading and discarding for a bounded time. Closing at once resets the connection while the
 * client is still writing, and an SDK then reports EPIPE or ECONNRESET instead of the answer.
 *
 * Node closes such a connection through `socket.destroySoon()` once the response is written; for this
 * one socket that call half-closes instead (the client sees the answer and end of stream), then drops the
 * socket when the client closes, after `idleMs` without data, after `maxMs`, or past `maxBytes`.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

export interface LingerLimits {
  readonly maxMs: number;
  readonly idleMs: number;
  /** Bytes read (and dropped) per tick: a lingering client costs little CPU however fast it sends. */
  readonly bytesPerTick: number;
  readonly tickMs: number;
}

export const DEFAULT_LINGER: LingerLimits = {
  maxMs: 10_000,
  idleMs: 2_000,
  bytesPerTick: 64 * 1024,
  tickMs: 10,
};

const LINGERING = Symbol('portico.lingering');

export function lingerOnClose(request: IncomingMessage, limits: LingerLimits = DEFAULT_LINGER): void {
  const socket = request.socket as Socket & { [LINGERING]?: true };
  if (socket[LINGERING] || socket.destroyed) return;
  socket[LINGERING] = true;
  // Reading the request ourselves (paused) keeps Node from draining it at full speed after the answer;
  // its own backpressure then slows the client down to what the ticks below read.
  request.pause();
  request.read(0);
  socket.destroySoon = function lingeringClose(): void {
    const startedAt = Date.now();
    let lastDataAt = startedAt;
    const stop = (): void => {
      clearInterval(tick);
      socket.destroy();
    };
    const tick = setInterval(() => {
      const now = Date.now();
      let budget = limits.bytesPerTick;
      let chunk: Buffer | null;
      while (budget > 0 && (chunk = request.read() as Buffer | null) !== null) {
        budget -= chunk.length;
        lastDataAt = now;
      }
      if (request.readableEnded || now - startedAt >= limits.maxMs || now - lastDataAt >= limits.idleMs)
        stop();
    }, limits.tickMs);
    tick.unref();
    request.once('end', stop);
    socket.once('close', () => clearInterval(tick));
    socket.end();
  };
}
