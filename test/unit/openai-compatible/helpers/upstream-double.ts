/**
 * A tiny OpenAI-compatible upstream on 127.0.0.1, port 0, for the provider tests. Each test scripts the
 * answer; the double records what arrived and whether the client hung up before the answer finished.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Resolves when the connection closed before the response was complete (the client aborted). */
  aborted: Promise<void>;
}

export type Handler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export class UpstreamDouble {
  readonly requests: RecordedRequest[] = [];
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(handler: Handler): Promise<UpstreamDouble> {
    const server = createServer();
    const double = new UpstreamDouble(server);
    server.on('request', (incoming, response) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const aborted = new Promise<void>((resolve) => {
          response.on('close', () => {
            if (!response.writableFinished) resolve();
          });
        });
        const recorded: RecordedRequest = {
          method: incoming.method ?? '',
          url: incoming.url ?? '',
          headers: incoming.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          aborted,
        };
        double.requests.push(recorded);
        Promise.resolve(handler(recorded, response)).catch(() => response.destroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return double;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/v1`;
  }

  /** The last request's body, parsed. */
  lastBody(): unknown {
    const last = this.requests.at(-1);
    if (!last) throw new Error('no request arrived');
    return JSON.parse(last.body);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(text);
}

/** SSE text for the given `data` payloads (objects are JSON-encoded), optionally ending with [DONE]. */
export function sseText(payloads: readonly unknown[], done = true): string {
  const events = payloads.map(
    (payload) => `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`,
  );
  return events.join('') + (done ? 'data: [DONE]\n\n' : '');
}

/** Write an SSE body, optionally one byte at a time with a pause (every split point is exercised). */
export async function sendSse(response: ServerResponse, text: string, byteByByte = false): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  if (!byteByByte) {
    response.end(text);
    return;
  }
  for (const byte of Buffer.from(text, 'utf8')) {
    if (response.destroyed) return;
    response.write(Buffer.from([byte]));
    await sleep(1);
  }
  response.end();
}
