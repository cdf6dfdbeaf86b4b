/**
 * The minimal Node reverse proxy the benchmark compares against: node:http in, one undici Pool out,
 * bodies streamed both ways, hop-by-hop headers dropped. It does nothing a gateway must do (no auth,
 * no limits, no ledger, no translation), so its cost is the floor for any Node gateway.
 *
 * Run: node --import tsx bench/baselines/node-proxy.ts --port 8080 --upstream http://127.0.0.1:9000
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    upstream: { type: 'string' },
  },
});
if (values.upstream === undefined) throw new Error('--upstream is required');

// Headers that describe one connection, not the message (RFC 9110 section 7.6.1).
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

const pool = new Pool(values.upstream, {
  pipelining: 1,
  keepAliveTimeout: 60_000,
  headersTimeout: 60_000,
  bodyTimeout: 120_000,
});

function forwardable(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) result[name] = value;
  }
  return result;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function proxy(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const abort = new AbortController();
  response.on('close', () => {
    if (!response.writableFinished) abort.abort();
  });
  const body = await readBody(request);
  const upstream = await pool.request({
    path: request.url ?? '/',
    method: request.method === 'POST' ? 'POST' : 'GET',
    headers: forwardable(request.headers),
    body: body.length > 0 ? body : null,
    signal: abort.signal,
  });
  response.writeHead(upstream.statusCode, forwardable(upstream.headers));
  await pipeline(upstream.body, response);
}

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  proxy(request, response).catch((error: unknown) => {
    if (!response.headersSent) {
      response.writeHead(502, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: (error as Error).message } }));
    } else {
      response.destroy();
    }
  });
});
server.maxRequestsPerSocket = 0;
server.listen(Number(values.port), values.host, () => {
  process.stdout.write(`node proxy listening, upstream ${values.upstream}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => {
    void pool.close().finally(() => process.exit(0));
  });
});
