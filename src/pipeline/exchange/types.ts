/**
 * The canonical request and events the exchange works in. Portico's canonical form is the validated
 * OpenAI Chat Completions request and its choices / chunk choices (ADR 061): every door decodes into it
 * and encodes from it, every provider translates from it. It is the richest common shape the upstreams
 * share, and the seed's own contract, so the OpenAI chat door is the identity codec.
 */
import type { ResolvedModel } from '../../config/load-config.ts';
import type { ChatCompletionRequest } from '../../openai/request.ts';
import type { Choice, ChunkChoice, TokenCounts } from '../../openai/response.ts';
import type { PorticoError } from '../../errors.ts';

export type CanonicalRequest = ChatCompletionRequest;

/** Which model and deployment answered (a fallback is another model than the one asked for). */
export interface Served {
  readonly model: ResolvedModel;
  readonly deployment: string;
  readonly isFallback: boolean;
  /** The model name the client should see: what it asked for, or the fallback's name. */
  readonly responseModel: string;
}

/** A JSON answer, settled. */
export interface Completed {
  readonly served: Served;
  readonly choices: Choice[];
  readonly counts: TokenCounts;
  readonly usageEstimated: boolean;
  readonly costMicros: number;
  /** The upstream's own answer, when the request was forwarded natively (passthrough). */
  readonly native?: unknown;
}

/** An embedding answer, settled (ADR 085). */
export interface Embedded {
  readonly served: Served;
  /** One vector per input, in the request's order. */
  readonly vectors: number[][];
  readonly counts: TokenCounts;
  readonly usageEstimated: boolean;
  readonly costMicros: number;
}

/** How a stream ended, once its attempt is settled. */
export interface StreamFinal {
  readonly counts: TokenCounts;
  readonly usageEstimated: boolean;
  readonly costMicros: number;
}

/**
 * Where the exchange writes a stream: the door's encoder in front of the client's socket. The exchange
 * calls `start` once the upstream committed, then `choices` per chunk, then exactly one of `finish` or
 * `fail`. The door ends the socket itself, always, after the exchange returns.
 */
export interface StreamSink {
  start(served: Served): void;
  /**
   * Resolves when the client can take more (backpressure), or at once when it is gone. `native` is the
   * upstream's own event when the request was forwarded natively.
   */
  choices(choices: ChunkChoice[], native?: unknown): Promise<void>;
  /** True once the client is gone: socket closed, or its write deadline passed. */
  readonly gone: boolean;
  finish(final: StreamFinal): Promise<void>;
  /** The stream failed after `start`: tell the client in the dialect's way (never a clean end). */
  fail(error: PorticoError): Promise<void>;
  /** Everything written so far, when the door records it (Idempotency-Key replays). */
  transcript(): string | undefined;
}

/** Encodes a JSON answer in the door's dialect; the exchange stores the text for Idempotency-Key replays. */
export type JsonEncoder = (completed: Completed) => string;

/** Encodes an embedding answer in the door's dialect (stored, like a JSON answer, for replays). */
export type EmbeddingEncoder = (embedded: Embedded) => string;
