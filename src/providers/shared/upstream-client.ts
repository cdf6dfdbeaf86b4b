/**
 * One keep-alive undici `Pool` per upstream origin, with explicit connect / first-byte / idle timeouts.
 * Requests go only to the pool's own origin, so an upstream key can never be sent anywhere else.
 */
import { Pool, errors as undiciErrors } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { UpstreamError, type UpstreamFailureKind } from './upstream-error.ts';

export interface Timeouts {
  connectMs: number;
  firstByteMs: number;
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 5_000, firstByteMs: 60_000, idleMs: 30_000 };

/** Defaults for every timeout not given; an explicit `undefined` (an unset config key) keeps the default. */
export function withDefaults(timeouts: Partial<Timeouts> | undefined): Timeouts {
  return {
    connectMs: timeouts?.connectMs ?? DEFAULT_TIMEOUTS.connectMs,
    firstByteMs: timeouts?.firstByteMs ?? DEFAULT_TIMEOUTS.firstByteMs,
    idleMs: timeouts?.idleMs ?? DEFAULT_TIMEOUTS.idleMs,
  };
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Readable & { text(): Promise<string>; json(): Promise<unknown> };
}

export interface UpstreamClientOptions {
  timeouts?: Partial<Timeouts>;
  /** Connections per upstream origin; default unbounded (each open stream holds one). */
  connections?: number | null;
  /** Maximum bytes of a non-streaming upstream body Portico will read (API10: unsafe consumption). */
  maxResponseBytes?: number;
}

export class UpstreamClient {
  readonly origin: string;
  readonly basePath: string;
  readonly timeouts: Timeouts;
  readonly maxResponseBytes: number;
  readonly #pool: Pool;

  constructor(baseUrl: string, options: UpstreamClientOptions = {}) {
    const url = new URL(baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`upstream base_url must be http(s): ${url.protocol}`);
    }
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.timeouts = Object.freeze(withDefaults(options.timeouts));
    this.maxResponseBytes = options.maxResponseBytes ?? 32 * 1024 * 1024;
    this.#pool = new Pool(this.origin, {
      // Unbounded by default: a stream holds its connection for its whole life, so a cap here would queue
      // the 257th concurrent stream behind the others (the overload guard bounds concurrency instead).
      connections: options.connections ?? null,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: this.timeouts.connectMs },
      headersTimeout: this.timeouts.firstByteMs,
      bodyTimeout: this.timeouts.idleMs,
    });
  }

  /** POST a JSON body to `basePath + path`. Resolves with any status; rejects only on transport failure. */
  async post(
    path: string,
    body: string,
    headers: Record<string, string>,
    signal: AbortSignal,
    timeouts?: Partial<Timeouts>,
  ): Promise<UpstreamResponse> {
    try {
      const response = await this.#pool.request({
        path: this.basePath + path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body,
        signal,
        headersTimeout: timeouts?.firstByteMs ?? this.timeouts.firstByteMs,
        bodyTimeout: timeouts?.idleMs ?? this.timeouts.idleMs,
      });
      return {
        status: response.statusCode,
        headers: response.headers as IncomingHttpHeaders,
        body: response.body as UpstreamResponse['body'],
      };
    } catch (error) {
      throw classifyTransportError(error, signal);
    }
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

/** Read a whole body as text, bounded by `maxBytes`. */
export async function readBodyText(
  body: AsyncIterable<Buffer | string>,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > maxBytes) {
        throw new UpstreamError({
          kind: 'protocol',
          code: 'upstream_failed',
          message: `upstream body larger than ${maxBytes} bytes`,
        });
      }
      chunks.push(buffer);
    }
  } catch (error) {
    throw classifyTransportError(error, signal);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Map undici / socket errors onto our failure kinds. */
export function classifyTransportError(error: unknown, signal?: AbortSignal): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const code = (error as { code?: string } | null)?.code;
  let kind: UpstreamFailureKind;
  if (signal?.aborted || (error as Error | null)?.name === 'AbortError' || code === 'UND_ERR_ABORTED') {
    kind = 'aborted';
  } else if (error instanceof undiciErrors.ConnectTimeoutError || code === 'UND_ERR_CONNECT_TIMEOUT') {
    kind = 'timeout_connect';
  } else if (error instanceof undiciErrors.HeadersTimeoutError || code === 'UND_ERR_HEADERS_TIMEOUT') {
    kind = 'timeout_first_byte';
  } else if (error instanceof undiciErrors.BodyTimeoutError || code === 'UND_ERR_BODY_TIMEOUT') {
    kind = 'timeout_idle';
  } else if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH'
  ) {
    kind = 'connect';
  } else {
    kind = 'reset';
  }
  const timeout = kind.startsWith('timeout');
  return new UpstreamError({
    kind,
    code: timeout ? 'upstream_timeout' : 'upstream_failed',
    message: `upstream ${kind}: ${(error as Error | null)?.message ?? String(error)}`,
    cause: error,
  });
}
