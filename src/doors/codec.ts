/**
 * A door is a codec between one inbound dialect and the canonical request/events (ADR 061). It decodes
 * the body (admission), encodes JSON answers and stream events, and shapes errors in its own format.
 * `serve.ts` drives any codec through admission and the exchange.
 */
import type { PorticoError } from '../errors.ts';
import type { ChunkChoice } from '../openai/response.ts';
import type { Door } from '../pipeline/door.ts';
import type { RequestContext } from '../pipeline/context.ts';
import type { NativeRequest } from '../providers/provider.ts';
import type { JsonEncoder, Served, StreamFinal } from '../pipeline/exchange/types.ts';

export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Encodes one stream in the dialect's SSE framing; stateful, one per request. */
export interface StreamEncoder {
  /** Framed SSE text to send once the upstream committed (may be empty). */
  start(served: Served): string;
  /** `native`: the upstream's own event, when the request was forwarded natively (passthrough). */
  choices(choices: ChunkChoice[], native?: unknown): string;
  finish(final: StreamFinal): string;
  /** The error event that ends a failed stream (never a clean end). */
  fail(error: PorticoError): string;
}

export interface DoorCodec extends Door {
  /** Whether this request wants a stream (decoded body, or the route, e.g. `:streamGenerateContent`). */
  wantsStream(context: RequestContext): boolean;
  encodeJson(context: RequestContext): JsonEncoder;
  streamEncoder(context: RequestContext): StreamEncoder;
  /** The error in the dialect's shape, before any answer started. */
  errorReply(error: PorticoError): ErrorReply;
  /**
   * Native passthrough (optional): the client's own body to forward when the chosen upstream speaks this
   * door's dialect. Called by `serveDoor` once admission (decode included) passed; undefined: translate.
   */
  native?(raw: unknown, context: RequestContext): NativeRequest | undefined;
}
