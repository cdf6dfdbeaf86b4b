/**
 * The simulator: an offline upstream on plain node:http (no framework, so it is never a benchmark's
 * bottleneck) that speaks OpenAI chat completions and Gemini's native API, with faults on request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseFaults, type Faults } from './faults.ts';
import { geminiChunks, geminiError, geminiResponse, missingSignature, readGeminiRequest } from './gemini-protocol.ts';
import { openAIChunks, openAICompletion, openAIError, readOpenAIRequest } from './openai-protocol.ts';
import { makePlan, type SimRequest } from './plan.ts';

export interface SimulatorOptions {
  port?: number;
  host?: string;
  latencyMs?: number;
  chunkCount?: number;
  chunkDelayMs?: number;
  requireKey?: string;
  logAttempts?: boolean;
}

export interface SimulatorAttempt {
  seq: number;
  requestId: string | null;
  attempt: number | null;
  protocol: 'openai' | 'gemini';
  model: string;
  stream: boolean;
  fault: string | null;
  status: number;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  cachedTokens: number;
  usageReported: boolean;
  aborted: boolean;
  chunksSent: number;
  startedAt: number;
  endedAt: number | null;
  maxOutputTokens: number | null;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export interface Simulator {
  url: string;
  port: number;
  attempts: SimulatorAttempt[];
  resetAttempts(): void;
  waitFor(predicate: (attempt: SimulatorAttempt) => boolean, timeoutMs?: number): Promise<SimulatorAttempt>;
  close(): Promise<void>;
}

const MAX_ATTEMPTS = 100_000;
const MARKER = /\[\[sim:([^\]]*)\]\]/;
const GEMINI_PATH = /^(?:\/v1beta|\/v1)?\/models\/([^:]+):(generateContent|streamGenerateContent)$/;

type Json = Record<string, unknown>;

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function headerNumber(value: string | string[] | undefined, fallback: number): number {
  const parsed = Number(Array.isArray(value) ? value[0] : value);
  return value !== undefined && Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const attempts: SimulatorAttempt[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<import('node:net').Socket>();
  let seq = 0;
  const log = options.logAttempts !== false;

  const notify = () => {
    for (const waiter of waiters) waiter();
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = request.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    if (request.method === 'GET' && path === '/health') return void response.end('{"status":"ok"}');
    if (request.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      response.setHeader('content-type', 'application/json');
      return void response.end(JSON.stringify({ object: 'list', data: [{ id: 'sim', object: 'model', owned_by: 'simulator' }] }));
    }
    const gemini = GEMINI_PATH.exec(path);
    const openai = path === '/v1/chat/completions' || path === '/chat/completions';
    if (request.method !== 'POST' || (!gemini && !openai)) {
      response.statusCode = 404;
      return void response.end('{"error":{"message":"not found"}}');
    }
    const protocol = gemini ? 'gemini' : 'openai';
    const text = await readBody(request);
    const sendError = (status: number, message: string, retryAfter?: number, reason?: string) => {
      response.statusCode = status;
      response.setHeader('content-type', 'application/json');
      if (retryAfter !== undefined) response.setHeader('retry-after', String(retryAfter));
      response.end(JSON.stringify(protocol === 'gemini' ? geminiError(status, message, retryAfter, reason) : openAIError(status, message)));
    };
    let body: Json;
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Json;
    } catch {
      return sendError(400, 'Invalid JSON payload received.');
    }
    if (options.requireKey) {
      const presented = protocol === 'gemini' ? request.headers['x-goog-api-key'] : request.headers.authorization?.replace(/^Bearer /i, '');
      if (presented !== options.requireKey) {
        return protocol === 'gemini' ? sendError(400, 'API key not valid. Please pass a valid API key.', undefined, 'API_KEY_INVALID') : sendError(401, 'Incorrect API key provided');
      }
    }
    // Options come from `x-sim-*` headers, or from a `[[sim:name=value;...]]` marker in the prompt, which
    // travels through a gateway that (rightly) forwards no client headers upstream.
    const marker = MARKER.exec(text)?.[1]?.replace(/\\"/g, '"') ?? '';
    const markerOptions = new Map(marker.split(';').map((item) => item.trim().split('=') as [string, string]));
    for (const name of ['chunks', 'chunk-delay-ms', 'latency-ms', 'cached-tokens', 'tool-call']) {
      const value = markerOptions.get(name);
      if (value !== undefined && request.headers[`x-sim-${name}`] === undefined) request.headers[`x-sim-${name}`] = value;
    }
    const headerFaults = request.headers['x-sim-fault'] ?? request.headers['x-fake-fault'];
    const faults = parseFaults([headerFaults, marker].flat().filter((item): item is string => Boolean(item)).join(';') || undefined);
    const cached = headerNumber(request.headers['x-sim-cached-tokens'], 0);
    const stream = gemini ? gemini[2] === 'streamGenerateContent' : body.stream === true;
    const simRequest: SimRequest = gemini
      ? readGeminiRequest(body, decodeURIComponent(gemini[1] ?? ''), stream, cached)
      : readOpenAIRequest(body, cached);
    const plan = makePlan(simRequest, request.headers['x-sim-tool-call'] === '1');
    const attempt: SimulatorAttempt = {
      seq: ++seq,
      requestId: (request.headers['x-portico-request-id'] ?? request.headers['x-request-id'] ?? null) as string | null,
      attempt: request.headers['x-portico-attempt'] ? Number(request.headers['x-portico-attempt']) : null,
      protocol,
      model: simRequest.model,
      stream,
      fault: faults.raw,
      status: 200,
      promptTokens: plan.promptTokens,
      completionTokens: 0,
      reasoningTokens: 0,
      cachedTokens: plan.cachedTokens,
      usageReported: false,
      aborted: false,
      chunksSent: 0,
      startedAt: Date.now(),
      endedAt: null,
      maxOutputTokens: simRequest.maxTokens,
      body,
      headers: request.headers,
    };
    if (log) {
      if (attempts.length >= MAX_ATTEMPTS) attempts.shift();
      attempts.push(attempt);
    }
    let finished = false;
    response.on('close', () => {
      if (!finished) attempt.aborted = true;
      attempt.endedAt = Date.now();
      notify();
    });
    const finish = () => {
      finished = true;
    };
    await serve(request, response, { faults, simRequest, plan, attempt, body, stream, protocol, sendError, finish });
  }

  interface ServeInput {
    faults: Faults;
    simRequest: SimRequest;
    plan: ReturnType<typeof makePlan>;
    attempt: SimulatorAttempt;
    body: Json;
    stream: boolean;
    protocol: 'openai' | 'gemini';
    sendError: (status: number, message: string, retryAfter?: number, reason?: string) => void;
    finish: () => void;
  }

  async function serve(request: IncomingMessage, response: ServerResponse, input: ServeInput): Promise<void> {
    const { faults, plan, attempt, protocol, sendError, finish } = input;
    await sleep(faults.slowFirstByteMs ?? headerNumber(request.headers['x-sim-latency-ms'], options.latencyMs ?? 0));
    if (response.destroyed) return;
    if (faults.status !== undefined && faults.status >= 400) {
      attempt.status = faults.status;
      finish();
      const message = faults.status === 429 ? 'Resource has been exhausted (e.g. check quota). Please retry in 2s.' : faults.status === 503 ? 'The model is overloaded. Please try again later.' : `Simulated upstream error ${faults.status}`;
      return sendError(faults.status, message, faults.retryAfter ?? (faults.status === 429 ? 2 : undefined), faults.reason);
    }
    if (protocol === 'gemini' && missingSignature(input.body)) {
      attempt.status = 400;
      finish();
      return sendError(400, 'Function call is missing a thought_signature in functionCall parts.');
    }
    const id = `sim-${attempt.seq}-${Date.now().toString(36)}`;
    const withUsage = !faults.noUsage;
    const model = input.simRequest.model;
    if (!input.stream) {
      if (faults.resetAfter !== undefined) return void response.destroy();
      const answer = protocol === 'gemini' ? geminiResponse(plan, id, model, withUsage) : openAICompletion(plan, `chatcmpl-${id}`, model, withUsage);
      attempt.completionTokens = (plan.toolCall ? 8 : plan.textTokens.length) * plan.candidates + plan.reasoningTokens * plan.candidates;
      attempt.reasoningTokens = plan.reasoningTokens * plan.candidates;
      attempt.usageReported = withUsage;
      response.setHeader('content-type', 'application/json');
      finish();
      return void response.end(JSON.stringify(answer));
    }
    const chunkCount = headerNumber(request.headers['x-sim-chunks'], options.chunkCount ?? 5);
    const chunkDelay = headerNumber(request.headers['x-sim-chunk-delay-ms'], options.chunkDelayMs ?? 0);
    const includeUsage = protocol === 'gemini' ? withUsage : withUsage && (input.body.stream_options as Json | undefined)?.include_usage === true;
    const { payloads, tokensAt } =
      protocol === 'gemini' ? geminiChunks(plan, id, model, chunkCount, includeUsage) : openAIChunks(plan, `chatcmpl-${id}`, model, chunkCount, includeUsage);
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const terminator = protocol === 'gemini' ? '\r\n\r\n' : '\n\n';
    for (let index = 0; index < payloads.length; index++) {
      if (response.destroyed) return;
      if (faults.stallAfter === index) return; // silent until the client gives up
      if (faults.resetAfter === index) return void response.destroy();
      if (faults.malformedAfter === index) {
        response.write(`data: {"candidates": [oops${terminator}`);
        finish();
        return void response.end();
      }
      if (faults.errorEventAfter === index) {
        response.write(`data: ${JSON.stringify(protocol === 'gemini' ? geminiError(500, 'Internal error encountered.') : openAIError(500, 'The server had an error while processing your request.'))}${terminator}`);
        finish();
        return void response.end();
      }
      if (index > 0) await sleep(chunkDelay);
      if (response.destroyed) return;
      response.write(`data: ${payloads[index]}${terminator}`);
      attempt.chunksSent = index + 1;
      attempt.completionTokens = tokensAt[index] ?? attempt.completionTokens;
    }
    attempt.reasoningTokens = plan.reasoningTokens * plan.candidates;
    attempt.usageReported = includeUsage;
    if (protocol === 'openai') response.write('data: [DONE]\n\n');
    finish();
    response.end();
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) {
        response.statusCode = 500;
        response.end('{"error":{"message":"simulator failure"}}');
      } else response.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    attempts,
    resetAttempts() {
      attempts.length = 0;
    },
    waitFor(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = attempts.find((attempt) => attempt.endedAt !== null && predicate(attempt));
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error('simulator: no matching attempt in time'));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
