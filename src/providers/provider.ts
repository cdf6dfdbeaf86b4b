/**
 * What every provider implements. A provider translates types: it receives the validated OpenAI request
 * and returns OpenAI choices, chunk choices and token counts. It never touches Fastify, the client's
 * socket or SSE text on the client side; the HTTP layer owns those.
 */
import type { ChatCompletionRequest } from '../openai/request.ts';
import type { Choice, ChunkChoice, TokenCounts } from '../openai/response.ts';
import type { Timeouts } from './shared/upstream-client.ts';
import type { EmbeddingRequest } from '../pipeline/embedding.ts';

export type ProviderType = 'gemini' | 'openai';

export interface ModelTraits {
  /** `gemini-3` models take a thinking level, `gemini-2.5` models a thinking budget. */
  readonly thinking?: 'level' | 'budget' | 'none';
  /** The lowest thinking budget the model accepts (2.5 Pro cannot turn thinking off: 128). */
  readonly minThinkingBudget?: number;
  /** Thinking levels the model supports, lowest first. */
  readonly thinkingLevels?: readonly string[];
  /** The model makes embeddings, not chat (default: guessed from the name, pipeline/embedding.ts). */
  readonly embedding?: boolean;
}

export interface ProviderRequest {
  /** Validated; fields Portico does not know are already removed. */
  readonly request: ChatCompletionRequest;
  /** The model name the upstream knows (the deployment's `model`). */
  readonly upstreamModel: string;
  readonly traits: ModelTraits;
  /**
   * The output cap to send upstream. Billing holds credits for exactly this many output tokens, so the
   * provider must send it (as `max_completion_tokens` / `maxOutputTokens`) whenever it is set.
   */
  readonly maxOutputTokens: number | undefined;
  readonly signal: AbortSignal;
  readonly requestId: string;
  readonly timeouts?: Partial<Timeouts>;
  /**
   * Extra headers for the upstream request (request id, attempt number). Providers send them as given;
   * they never carry credentials.
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Native passthrough: the client's own body, when its door speaks this provider's dialect. A provider
   * of that dialect forwards it (with the upstream model and the output cap set by Portico, every other
   * field as the client sent it) instead of translating `request`, and returns the upstream's answer
   * untouched in `native` beside the canonical choices and usage (still read for billing). Providers of
   * another dialect ignore it and translate `request`.
   */
  readonly native?: NativeRequest;
}

export interface NativeRequest {
  readonly dialect: 'gemini' | 'openai' | 'anthropic';
  readonly body: Readonly<Record<string, unknown>>;
  /** Dialect headers the body depends on (Anthropic's `anthropic-beta`), sent with it upstream. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface CompletionResult {
  choices: Choice[];
  counts: TokenCounts;
  /** True when the upstream reported no usage and the counts are Portico's estimate. */
  usageEstimated: boolean;
  upstreamId?: string;
  /** The upstream's own answer body, when the request was forwarded natively (passthrough). */
  native?: unknown;
}

export type StreamEvent =
  /** `native`: the upstream's own event (parsed JSON), when the request was forwarded natively. */
  | { type: 'choices'; choices: ChunkChoice[]; native?: unknown }
  /** Usage as reported so far; a later event replaces an earlier one (Gemini's usage is cumulative). */
  | { type: 'usage'; counts: TokenCounts };

/** One embedding call (ADR 085): every input of the client's request, in order. */
export interface EmbedProviderRequest {
  readonly request: EmbeddingRequest;
  /** The model name the upstream knows (the deployment's `model`). */
  readonly upstreamModel: string;
  readonly signal: AbortSignal;
  readonly requestId: string;
  readonly timeouts?: Partial<Timeouts>;
  /** Extra headers for the upstream request (request id, attempt number); never credentials. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface EmbedResult {
  /** One vector per input, in the request's order, as float values. */
  readonly vectors: number[][];
  /** Input tokens as the upstream reported them; undefined when it reported none. */
  readonly promptTokens: number | undefined;
}

export interface Provider {
  readonly name: string;
  readonly type: ProviderType;
  /** Throws `UpstreamError` on any failure. */
  complete(input: ProviderRequest): Promise<CompletionResult>;
  /**
   * Resolves once the upstream answered with a success status; errors before that reject with
   * `UpstreamError`. Errors after that are thrown by the iterator, also as `UpstreamError`.
   */
  stream(input: ProviderRequest): Promise<AsyncIterable<StreamEvent>>;
  /** Embeddings, when the upstream dialect has them. Throws `UpstreamError` on any failure. */
  embed?(input: EmbedProviderRequest): Promise<EmbedResult>;
  close(): Promise<void>;
}
