/**
 * A deliberately light fake upstream (node:http, fixed bodies, no parsing beyond a substring test) that
 * speaks OpenAI chat completions and Gemini generateContent / streamGenerateContent.
 *
 * Streams: `--chunks N --chunk-delay-ms D` fix the shape on the command line, because gateways do not
 * forward client headers upstream; `x-sim-chunks` / `x-sim-chunk-delay-ms` override it when they do arrive.
 *
 * Run: node --import tsx bench/upstreams/light-upstream.ts --port 9000 --chunks 8 --chunk-delay-ms 5
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import {
  GEMINI_COMPLETION,
  OPENAI_COMPLETION,
  geminiChunk,
  openAiChunk,
  openAiUsageChunk,
} from './fixed-bodies.ts';

interface StreamShape {
  readonly chunks: number;
  readonly delayMs: number;
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    chunks: { type: 'string', default: '8' },
    'chunk-delay-ms': { type: 'string', default: '0' },
  },
});

const defaults: StreamShape = { chunks: Number(values.chunks), delayMs: Number(values['chunk-delay-ms']) };
const openAiJson = Buffer.from(OPENAI_COMPLETION);
const geminiJson = Buffer.from(GEMINI_COMPLETION);

function shapeOf(request: IncomingMessage): StreamShape {
  const chunks = Number(request.headers['x-sim-chunks'] ?? defaults.chunks);
  const delayMs = Number(request.headers['x-sim-chunk-delay-ms'] ?? defaults.delayMs);
  return {
    chunks: Number.isInteger(chunks) && chunks > 0 ? chunks : defaults.chunks,
    delayMs: Number.isFinite(delayMs) && delayMs >= 0 ? delayMs : defaults.delayMs,
  };
}

function sendJson(response: ServerResponse, body: Buffer): void {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  response.end(body);
}

/** Writes `chunks` SSE events, the first at once and the rest `delayMs` apart, then the terminator. */
function sendStream(
  response: ServerResponse,
  shape: StreamShape,
  event: (index: number) => string,
  tail: string,
): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let index = 0;
  let timer: NodeJS.Timeout | undefined;
  const writeNext = (): void => {
    if (response.destroyed) return;
    response.write(`data: ${event(index)}\n\n`);
    index += 1;
    if (index >= shape.chunks) {
      response.end(tail);
      return;
    }
    timer = setTimeout(writeNext, shape.delayMs);
  };
  response.on('close', () => clearTimeout(timer));
  writeNext();
}

function handle(request: IncomingMessage, response: ServerResponse, body: string): void {
  const url = request.url ?? '/';
  if (request.method === 'GET') {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('ok');
    return;
  }
  if (url.startsWith('/v1/chat/completions')) {
    if (!/"stream"\s*:\s*true/.test(body)) return sendJson(response, openAiJson);
    const shape = shapeOf(request);
    const usage = `data: ${openAiUsageChunk(shape.chunks)}\n\ndata: [DONE]\n\n`;
    return sendStream(response, shape, (index) => openAiChunk(index, index === shape.chunks - 1), usage);
  }
  if (url.includes(':streamGenerateContent')) {
    const shape = shapeOf(request);
    return sendStream(response, shape, (index) => geminiChunk(index, shape.chunks), '');
  }
  if (url.includes(':generateContent')) return sendJson(response, geminiJson);
  response.writeHead(404, { 'content-type': 'application/json' });
  response.end('{"error":{"message":"not found"}}');
}

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk: string) => {
    body += chunk;
  });
  request.on('end', () => handle(request, response, body));
});
server.maxRequestsPerSocket = 0;
server.listen(Number(values.port), values.host, () => {
  const address = server.address();
  const port = address !== null && typeof address === 'object' ? address.port : values.port;
  process.stdout.write(`light upstream listening on ${values.host}:${port}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
