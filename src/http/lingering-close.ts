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
import type { Socket } from 'node:net';

export interface LingerLimits {
  readonly maxMs: number;
  readonly idleMs: number;
  readonly maxBytes: number;
}

export const DEFAULT_LINGER: LingerLimits = { maxMs: 10_000, idleMs: 2_000, maxBytes: 64 * 1024 * 1024 };

const LINGERING = Symbol('portico.lingering');

export function lingerOnClose(socket: Socket, limits: LingerLimits = DEFAULT_LINGER): void {
  const marked = socket as Socket & { [LINGERING]?: true };
  if (marked[LINGERING] || socket.destroyed) return;
  marked[LINGERING] = true;
  socket.destroySoon = function lingeringClose(): void {
    // The HTTP parser reads this socket directly (no 'data' events), discarding the rest of the body;
    // progress shows in `bytesRead`.
    const startedAt = Date.now();
    const startBytes = socket.bytesRead;
    let lastBytes = startBytes;
    let lastProgressAt = startedAt;
    const stop = (): void => {
      clearInterval(poll);
      socket.destroy();
    };
    const poll = setInterval(
      () => {
        const now = Date.now();
        const bytes = socket.bytesRead;
        if (bytes !== lastBytes) {
          lastBytes = bytes;
          lastProgressAt = now;
        }
        if (
          now - startedAt >= limits.maxMs ||
          now - lastProgressAt >= limits.idleMs ||
          bytes - startBytes > limits.maxBytes
        ) {
          stop();
        }
      },
      Math.min(250, limits.idleMs),
    );
    poll.unref();
    socket.once('close', () => clearInterval(poll));
    socket.resume();
    socket.end();
  };
}
