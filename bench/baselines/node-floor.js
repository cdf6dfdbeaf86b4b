// The floor: the fastest honest Node reverse proxy, the cost every Portico figure is divided by.
//
// node:http in, one undici Pool out, driven through undici's dispatch handler (no response stream
// objects); the request body buffered and sent in one write; JSON responses buffered and sent with a
// content-length, event streams forwarded chunk by chunk with backpressure; hop-by-hop headers dropped
// both ways; a client that goes away aborts its upstream request. One handler object per request holds
// all its state: no closures, no AbortController, no header objects beyond the two filtered arrays.
// It does nothing a gateway must do (no auth, no limits, no ledger, no translation).
//
// Plain JavaScript, run by node itself (no TypeScript loader in the process):
//   node bench/baselines/node-floor.js --port 8080 --upstream http://127.0.0.1:9000
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import process from 'node:process';
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

// Headers that describe one connection, not the message (RFC 9110 section 7.6.1), plus the ones this
// proxy sets itself (host for the upstream; content-length for the bodies it buffers).
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

const pool = new Pool(values.upstream, {
  pipelining: 1,
  keepAliveTimeout: 60_000,
  headersTimeout: 60_000,
  bodyTimeout: 120_000,
});

/** Request headers as undici's flat [name, value, ...] array, hop-by-hop ones left out. */
function requestHeaders(raw) {
  const headers = [];
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index];
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers.push(name, raw[index + 1]);
  }
  return headers;
}

const kExchange = Symbol('exchange');

// Listeners, not closures: `this` is the emitter, the exchange hangs off it.
function onRequestData(chunk) {
  const exchange = this[kExchange];
  if (exchange.chunk === undefined) exchange.chunk = chunk;
  else {
    exchange.chunks ??= [exchange.chunk];
    exchange.chunks.push(chunk);
  }
}
function onRequestEnd() {
  this[kExchange].send();
}
function onResponseClose() {
  const exchange = this[kExchange];
  if (!this.writableFinished && exchange.abort !== undefined) exchange.abort(new Error('client went away'));
}
function onResponseDrain() {
  this[kExchange].resume?.();
}

/** One proxied request, and undici's dispatch handler for its upstream half. */
class Exchange {
  constructor(request, response) {
    this.request = request;
    this.response = response;
    this.chunk = undefined;
    this.chunks = undefined;
    this.abort = undefined;
    this.resume = undefined;
    this.streaming = false;
    this.statusCode = 0;
    this.headers = undefined;
    this.body = undefined;
    request[kExchange] = this;
    response[kExchange] = this;
  }

  send() {
    const body = this.chunks === undefined ? (this.chunk ?? null) : Buffer.concat(this.chunks);
    this.chunk = undefined;
    this.chunks = undefined;
    this.response.on('close', onResponseClose);
    pool.dispatch(
      {
        path: this.request.url,
        method: this.request.method,
        headers: requestHeaders(this.request.rawHeaders),
        body,
      },
      this,
    );
  }

  onConnect(abort) {
    this.abort = abort;
  }

  onHeaders(statusCode, rawHeaders, resume) {
    if (statusCode < 200) return true;
    const headers = [];
    for (let index = 0; index < rawHeaders.length; index += 2) {
      const name = rawHeaders[index].toString('latin1');
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower)) continue;
      const value = rawHeaders[index + 1].toString('latin1');
      if (lower === 'content-type' && value.startsWith('text/event-stream')) this.streaming = true;
      headers.push(name, value);
    }
    this.statusCode = statusCode;
    if (this.streaming) {
      this.resume = resume;
      this.response.on('drain', onResponseDrain);
      this.response.writeHead(statusCode, headers);
      this.response.flushHeaders();
    } else {
      this.headers = headers;
    }
    return true;
  }

  onData(chunk) {
    if (this.streaming) return this.response.write(chunk);
    if (this.body === undefined) this.body = chunk;
    else if (Array.isArray(this.body)) this.body.push(chunk);
    else this.body = [this.body, chunk];
    return true;
  }

  onComplete() {
    if (this.streaming) {
      this.response.end();
      return;
    }
    const body =
      this.body === undefined
        ? Buffer.alloc(0)
        : Array.isArray(this.body)
          ? Buffer.concat(this.body)
          : this.body;
    this.headers.push('content-length', String(body.length));
    this.response.writeHead(this.statusCode, this.headers);
    this.response.end(body);
  }

  onError(error) {
    const response = this.response;
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const body = JSON.stringify({ error: { message: error.message, type: 'proxy_error' } });
    response.writeHead(502, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  }
}

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  new Exchange(request, response);
  request.on('data', onRequestData);
  request.on('end', onRequestEnd);
});
server.maxRequestsPerSocket = 0;
server.listen(Number(values.port), values.host, () => {
  process.stdout.write(`node floor proxy listening, upstream ${values.upstream}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => {
    void pool.close().finally(() => process.exit(0));
  });
});
