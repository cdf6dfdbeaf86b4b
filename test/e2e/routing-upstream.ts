/**
 * Helpers for the routing tests: a faulty upstream (a small proxy in front of the simulator that adds an
 * `x-sim-fault` header to every request, so one deployment fails while another, straight to the
 * simulator, is healthy), a stream reader, and ledger lookups.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Gateway } from '../helpers/gateway.ts';

export interface FaultyUpstream {
  url: string;
  fault: string | undefined;
  close(): Promise<void>;
}

export async function startFaultyUpstream(simulatorUrl: string, fault?: string): Promise<FaultyUpstream> {
  const target = new URL(simulatorUrl);
  const sockets = new Set<Socket>();
  const handle: FaultyUpstream = { url: '', fault, close: async () => undefined };
  const server: Server = createServer((incoming, outgoing) => {
    const headers: Record<string, string | string[] | undefined> = {
      ...incoming.headers,
      host: target.host,
      connection: 'close',
    };
    if (handle.fault) headers['x-sim-fault'] = handle.fault;
    const forward = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: incoming.url,
        method: incoming.method,
        headers,
        agent: false,
      },
      (answer: IncomingMessage) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        outgoing.flushHeaders();
        answer.on('data', (chunk: Buffer) => outgoing.write(chunk));
        answer.on('end', () => outgoing.end());
        // The simulator reset the socket: reset ours too, so the gateway sees what a real reset looks like.
        answer.on('aborted', () => outgoing.destroy());
        answer.on('error', () => outgoing.destroy());
      },
    );
    forward.on('error', () => outgoing.destroy());
    outgoing.on('close', () => {
      if (!outgoing.writableFinished) forward.destroy();
    });
    incoming.pipe(forward);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  handle.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  handle.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return handle;
}

/** A port nothing listens on (bound, then released). */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ChatOutcome {
  status: number;
  headers: Headers;
  requestId: string;
  /** JSON body (non-stream, or an error before the stream started). */
  body: any;
  /** Parsed `data:` payloads of a stream, `[DONE]` as the string. */
  events: any[];
  done: boolean;
  streamError: any;
  text: string;
}

export async function chat(
  gateway: Gateway,
  key: string,
  body: Record<string, unknown>,
): Promise<ChatOutcome> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const outcome: ChatOutcome = {
    status: response.status,
    headers: response.headers,
    requestId: response.headers.get('x-request-id') ?? '',
    body: undefined,
    events: [],
    done: false,
    streamError: undefined,
    text,
  };
  if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    for (const block of text.split('\n\n')) {
      const line = block.split('\n').find((candidate) => candidate.startsWith('data: '));
      if (!line) continue;
      const payload = line.slice(6);
      if (payload === '[DONE]') {
        outcome.done = true;
        outcome.events.push(payload);
        continue;
      }
      const event = JSON.parse(payload);
      outcome.events.push(event);
      if (event.error) outcome.streamError = event.error;
    }
  } else if (text) {
    outcome.body = JSON.parse(text);
  }
  return outcome;
}

export function streamText(outcome: ChatOutcome): string {
  return outcome.events
    .filter((event) => typeof event === 'object' && event.choices)
    .map((event) => event.choices.map((choice: any) => choice.delta?.content ?? '').join(''))
    .join('');
}

/** Ledger rows of one request, in attempt order, once every hold of the account is settled. */
export async function ledgerOf(gateway: Gateway, accountId: string, requestId: string): Promise<any[]> {
  for (let tries = 0; tries < 200; tries++) {
    const account = (await gateway.admin('GET', `/admin/accounts/${accountId}`)).body;
    if (account.held_micros === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const rows = (await gateway.admin('GET', `/admin/usage?account_id=${accountId}`)).body.data as any[];
  return rows.filter((row) => row.request_id === requestId).sort((a, b) => a.attempt - b.attempt);
}

/** The simulator's attempts for one request, once they all ended. */
export async function upstreamAttempts(gateway: Gateway, requestId: string, expected: number) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const attempts = gateway.simulator.attempts.filter((attempt) => attempt.requestId === requestId);
    if (attempts.length >= expected && attempts.every((attempt) => attempt.endedAt !== null)) return attempts;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return gateway.simulator.attempts.filter((attempt) => attempt.requestId === requestId);
}
