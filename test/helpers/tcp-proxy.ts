/**
 * A loopback TCP proxy a test can cut and restore, to make a real dependency (PostgreSQL, Redis)
 * unreachable without touching the shared server itself.
 */
import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Drop every open connection and refuse new ones (they are accepted and closed at once). */
  down(): void;
  /** Keep every connection open but forward nothing (a frozen server, like SIGSTOP). */
  stall(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let isDown = false;
  let stalled = false;
  const sockets = new Set<Socket>();
  const flushers = new Set<() => void>();
  const server = createServer((client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: targetHost, port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const cleanup = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', cleanup).on('close', cleanup);
    upstream.on('error', cleanup).on('close', cleanup);
    // While stalled, bytes wait here and flow again on up(), as with a SIGSTOPped server.
    const toUpstream: Buffer[] = [];
    const toClient: Buffer[] = [];
    flushers.add(() => {
      for (const chunk of toUpstream.splice(0)) upstream.write(chunk);
      for (const chunk of toClient.splice(0)) client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      if (stalled) toUpstream.push(chunk);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (stalled) toClient.push(chunk);
      else client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const down = (): void => {
    isDown = true;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    flushers.clear();
  };
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    down,
    stall() {
      stalled = true;
    },
    up() {
      isDown = false;
      stalled = false;
      for (const flush of flushers) flush();
    },
    async close() {
      down();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
