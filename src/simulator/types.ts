/**
 * The simulator's public shapes: how it is started, what it records per request, and its handle.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { TokenIssuer } from './token-endpoint.ts';

export interface SimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Delay before the response headers, per request overridable by `x-sim-latency-ms`. Default 0. */
  latencyMs?: number;
  /** Text chunks per streamed choice, overridable by `x-sim-chunks`. Default 5. */
  chunkCount?: number;
  /** Delay between streamed chunks, overridable by `x-sim-chunk-delay-ms`. Default 0. */
  chunkDelayMs?: number;
  /** When set, requests must carry this key (Bearer or `x-goog-api-key`) or get the protocol's 401/400. */
  requireKey?: string;
  /** Keep the attempt log (default true). Benchmarks turn it off. */
  logAttempts?: boolean;
  /**
   * Faults (faults.ts syntax, e.g. `status=429;retry_after=2`) acted out for every request that presents
   * one of these keys: a key pool's rate-limited or revoked key. Change them later with `setKeyFault`.
   */
  keyFaults?: Readonly<Record<string, string>>;
  /** Lifetime of the OAuth tokens `POST /token` issues (default 3600 s; tests shorten it). */
  tokenLifetimeSeconds?: number;
}

/**
 * One upstream request as the simulator saw it: the "upstream bill". Token counts are what the
 * simulator generated and delivered: for a stream, the tokens in the chunks written so far (a stalled,
 * reset or aborted stream stops counting where it stopped); for a JSON answer, what was generated.
 * `completionTokens` includes `reasoningTokens`, as OpenAI's `completion_tokens` does (for Gemini it is
 * candidates + thoughts). An error status bills nothing: both counts are 0 there.
 */
export interface SimulatorAttempt {
  seq: number;
  /** `x-portico-request-id`, else `x-request-id`. */
  requestId: string | null;
  /** `x-portico-attempt`. */
  attempt: number | null;
  protocol: 'openai' | 'gemini' | 'anthropic';
  model: string;
  stream: boolean;
  /** The fault entries acted on (header and prompt marker), as text. */
  fault: string | null;
  status: number;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  cachedTokens: number;
  /** Usage reached the client (JSON body, the final OpenAI usage chunk, or any Gemini chunk). */
  usageReported: boolean;
  /** The client closed the connection before the simulator finished. */
  aborted: boolean;
  /** Data events written (OpenAI's `[DONE]` is not counted). */
  chunksSent: number;
  startedAt: number;
  endedAt: number | null;
  maxOutputTokens: number | null;
  /** The parsed request body, for tests to inspect what the gateway sent. */
  body: unknown;
  /** Request path with its query string. */
  path: string;
  headers: IncomingHttpHeaders;
}

export interface Simulator {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  attempts: SimulatorAttempt[];
  resetAttempts(): void;
  close(): Promise<void>;
  /** The tokens `POST /token` issued, oldest first; Vertex routes accept only these while unexpired. */
  readonly tokens: TokenIssuer;
  /** Act out `fault` for every request presenting `key` from now on; null clears it. */
  setKeyFault(key: string, fault: string | null): void;
  /** Resolves with the first ended attempt that matches (already logged or still to come). */
  waitFor(predicate: (attempt: SimulatorAttempt) => boolean, timeoutMs?: number): Promise<SimulatorAttempt>;
}
