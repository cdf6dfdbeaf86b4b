/**
 * The simulator's HTTP side on plain node:http (no framework: it must never be a benchmark's
 * bottleneck): routing by string comparison, body reading, the key check, latency, status faults and
 * the choice between a JSON answer and a stream. Protocol details live in the *-request.ts readers and
 * *-protocol.ts writers; stream faults in stream-driver.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { AttemptLog } from './attempts.ts';
import { Exchange } from './exchange.ts';
import { FaultSyntaxError, parseFaults } from './faults.ts';
import { prepare, type Prepared } from './prepare-answer.ts';
import { isRecord, RequestError } from './protocol.ts';
import { sendAnswer, sendError, sendJson, usageMode } from './replies.ts';
import { readSettings, type RequestSettings } from './request-settings.ts';
import { route, type ApiRoute, type Route } from './routes.ts';
import { driveStream } from './stream-driver.ts';
import { serveEmbeddings } from './embeddings.ts';
import { TokenIssuer } from './token-endpoint.ts';
import type { Simulator, SimulatorAttempt, SimulatorOptions } from './types.ts';

const MAX_BODY_BYTES = 64 * 1024 * 1024;
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const MODELS_BODY = JSON.stringify({
  object: 'list',
  data: ['sim-model', 'gpt-4o-mini', 'gemini-2.5-flash', 'gemini-3.5-flash'].map((id) => ({
    id,
    object: 'model',
    created: 1_700_000_000,
    owned_by: 'portico-simulator',
  })),
});
const HEALTH_BODY = '{"status":"ok"}';

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function presentedKey(request: IncomingMessage): string | undefined {
  const authorization = header(request, 'authorization');
  if (
    authorization !== undefined &&
    authorization.length > 7 &&
    authorization.slice(0, 7).toLowerCase() === 'bearer '
  ) {
    return authorization.slice(7).trim();
  }
  return header(request, 'x-goog-api-key') ?? header(request, 'x-api-key');
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const log = new AttemptLog(options.logAttempts !== false);
  const defaults = {
    latencyMs: options.latencyMs ?? 0,
    chunkCount: options.chunkCount ?? 5,
    chunkDelayMs: options.chunkDelayMs ?? 0,
  };
  const idPrefix = randomBytes(4).toString('hex');
  const keyFaults = new Map(Object.entries(options.keyFaults ?? {}));
  const tokens = new TokenIssuer(options.tokenLifetimeSeconds ?? 3600);
  let toolCallSeq = 0;
  const nextToolCallId = () => `call_sim_${++toolCallSeq}`;

  async function serve(
    exchange: Exchange,
    target: ApiRoute,
    request: IncomingMessage,
    raw: string,
  ): Promise<void> {
    const attempt = exchange.attempt;
    const key = options.requireKey;
    if (target.protocol === 'gemini' && target.vertex) {
      // Vertex: a project path takes an OAuth token this simulator issued; express mode an API key.
      const bearer = header(request, 'authorization')?.replace(/^Bearer\s+/i, '');
      const allowed =
        target.vertex.project === null
          ? header(request, 'x-goog-api-key') !== undefined
          : tokens.accepts(bearer);
      if (!allowed) {
        return sendError(exchange, target, {
          status: 401,
          message: 'Request had invalid authentication credentials (simulated).',
        });
      }
    } else if (key !== undefined) {
      const presented = presentedKey(request);
      if (presented !== key) {
        if (target.protocol !== 'gemini') return sendError(exchange, target, { status: 401 });
        if (presented === undefined)
          return sendError(exchange, target, {
            status: 403,
            message: 'Method requires an API key (simulated).',
          });
        return sendError(exchange, target, { status: 400, reason: 'API_KEY_INVALID' });
      }
    }
    const keyFault = keyFaults.size > 0 ? keyFaults.get(presentedKey(request) ?? '') : undefined;
    if (keyFault !== undefined) {
      const faults = parseFaults(keyFault);
      attempt.fault = faults.label;
      if (faults.status !== null && faults.status !== 200) {
        return sendError(exchange, target, {
          status: faults.status,
          reason: faults.reason,
          retryAfterSeconds: faults.retryAfterSeconds,
        });
      }
    }
    let settings: RequestSettings;
    let parsed: unknown;
    try {
      settings = readSettings(request.headers, raw, defaults);
      attempt.fault = settings.faults.label;
      parsed = JSON.parse(raw);
      if (!isRecord(parsed)) throw new RequestError('the request body must be a JSON object');
    } catch (error) {
      const message =
        error instanceof FaultSyntaxError || error instanceof RequestError
          ? error.message
          : 'Invalid JSON payload received.';
      return sendError(exchange, target, { status: 400, message });
    }
    attempt.body = parsed;
    if (
      (target.protocol === 'openai' && target.embeddings) ||
      (target.protocol === 'gemini' && target.embed)
    ) {
      return serveEmbeddings(exchange, target, parsed, settings);
    }
    let prepared: Prepared;
    try {
      prepared = prepare(
        target,
        parsed,
        settings,
        attempt,
        nextToolCallId,
        `${idPrefix}${attempt.seq.toString(36)}`,
      );
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      return sendError(exchange, target, { status: 400, message: error.message, param: error.param });
    }
    const { plan, script, answer } = prepared;
    const faults = settings.faults;
    await exchange.sleep(settings.latencyMs + faults.slowFirstByteMs);
    if (exchange.closed) return;
    if (faults.status !== null && faults.status !== 200) {
      return sendError(exchange, target, {
        status: faults.status,
        reason: faults.reason,
        retryAfterSeconds: faults.retryAfterSeconds,
      });
    }
    attempt.promptTokens = plan.promptTokens;
    attempt.cachedTokens = plan.cachedTokens;
    const mode = usageMode(settings);
    if (!attempt.stream) return sendAnswer(exchange, answer(mode), settings, plan);
    if (target.protocol === 'gemini' && !target.sse) {
      // Without alt=sse Gemini streams one JSON array; sent whole here, without stream faults.
      const items = script(settings.chunkCount, mode).frames.map((frame) => frame.text.slice(6, -4));
      attempt.completionTokens = plan.completionTokens;
      attempt.reasoningTokens = plan.reasoningTokens;
      attempt.usageReported = mode !== 'none';
      return sendJson(exchange, 200, `[${items.join(',\r\n')}]`);
    }
    if (faults.resetAfter === 0 && faults.stallAfter === null) return void exchange.reset();
    attempt.status = 200;
    exchange.response.writeHead(200, SSE_HEADERS);
    await driveStream(exchange, script(settings.chunkCount, mode), faults, settings.chunkDelayMs);
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const url = request.url ?? '/';
    const found: Route = route(request.method ?? 'GET', url);
    if (found.protocol === 'token') return answerToken(tokens, request, response);
    if (found.protocol !== 'openai' && found.protocol !== 'gemini' && found.protocol !== 'anthropic')
      return answerOther(found.protocol, found.path, request, response);
    const target: ApiRoute = found;
    const attempt: SimulatorAttempt = {
      seq: log.nextSeq(),
      requestId: header(request, 'x-portico-request-id') ?? header(request, 'x-request-id') ?? null,
      attempt: attemptNumber(header(request, 'x-portico-attempt')),
      protocol: target.protocol,
      model: target.protocol === 'gemini' ? target.model : '',
      stream: target.protocol === 'gemini' ? target.stream : false,
      fault: null,
      status: 0,
      promptTokens: 0,
      completionTokens: 0,
      reasoningTokens: 0,
      cachedTokens: 0,
      usageReported: false,
      aborted: false,
      chunksSent: 0,
      startedAt: Date.now(),
      endedAt: null,
      maxOutputTokens: null,
      body: null,
      path: url,
      headers: request.headers,
    };
    log.add(attempt);
    const exchange = new Exchange(response, attempt, log);
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('error', () => undefined);
    request.on('end', () => {
      if (exchange.closed) return;
      if (size > MAX_BODY_BYTES)
        return sendError(exchange, target, {
          status: 413,
          message: 'Request payload size exceeds the limit.',
        });
      const raw =
        chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
      serve(exchange, target, request, raw).catch(() => {
        // A simulator bug must not take the process down; the client sees a 500 or a dropped socket.
        if (!response.headersSent && !exchange.closed)
          sendJson(exchange, 500, '{"error":{"message":"simulator failure"}}');
        else exchange.reset();
      });
    });
  }

  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, handle);
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host =
    options.host === undefined || options.host === '0.0.0.0' || options.host === '::'
      ? '127.0.0.1'
      : options.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    attempts: log.entries,
    resetAttempts: () => log.reset(),
    tokens,
    setKeyFault: (key, fault) => {
      if (fault === null) keyFaults.delete(key);
      else keyFaults.set(key, parseFaults(fault).label ?? fault);
    },
    waitFor: (predicate, timeoutMs) => log.waitFor(predicate, timeoutMs),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Stalled streams and idle keep-alive sockets would otherwise hold close() open forever.
        server.closeAllConnections();
      }),
  };
}

function answerToken(tokens: TokenIssuer, request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.length < 64 && chunks.push(chunk));
  request.on('error', () => undefined);
  request.on('end', () => {
    const { status, json } = tokens.grant(Buffer.concat(chunks).toString('utf8'));
    const body = JSON.stringify(json);
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  });
}

function answerOther(
  kind: 'health' | 'models' | 'none',
  path: string,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  let status = 200;
  let body = HEALTH_BODY;
  if (kind === 'models') body = MODELS_BODY;
  if (kind === 'none') {
    status = 404;
    body = JSON.stringify({
      error: {
        message: `no route for ${request.method} ${path}`,
        type: 'invalid_request_error',
        code: 'not_found',
      },
    });
  }
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

function attemptNumber(value: string | undefined): number | null {
  if (value === undefined) return null;
  const parsed = Number(value);
  return Number.isInteger(parsed) ? parsed : null;
}
