/**
 * What the two protocol modules share with the server: stream frames with their token accounting, how
 * usage is to be reported, and the error a request body can be refused with.
 */

/** One SSE event, ready to write, and what it delivers. */
export interface Frame {
  /** The whole event: `data: ...` plus its blank-line terminator. */
  readonly text: string;
  /** Output tokens (reasoning included) this event delivers, over all choices in it. */
  readonly completionTokens: number;
  readonly reasoningTokens: number;
  readonly carriesUsage: boolean;
}

/** The events a stream consists of, plus the protocol's fault events. */
export interface StreamScript {
  readonly frames: readonly Frame[];
  /** OpenAI's `data: [DONE]` event; null for Gemini, which never sends one. */
  readonly terminator: string | null;
  readonly errorEvent: string;
  readonly malformedEvent: string;
  readonly nonObjectEvent: string;
}

/** `full`: real counts; `none`: no usage at all (fault `no_usage`); `zero`: every count 0. */
export type UsageMode = 'full' | 'none' | 'zero';

/** A body the simulator refuses with a 400 in the protocol's error shape. */
export class RequestError extends Error {
  readonly param: string | null;

  constructor(message: string, param: string | null = null) {
    super(message);
    this.param = param;
  }
}

/** Where in the word pool a choice's reasoning text starts, relative to its answer. */
export const REASONING_SEED_OFFSET = 101;

/** Image, audio, video and document parts each count this many prompt tokens (Gemini's 258 per image). */
export const MEDIA_PART_TOKENS = 258;

/** Thinking asked for by level or effort (the simulator thinks briefly; the numbers are arbitrary). */
export function reasoningForLevel(level: unknown): number {
  switch (level) {
    case 'none':
      return 0;
    case 'minimal':
      return 8;
    case 'low':
      return 16;
    case 'medium':
      return 32;
    case 'high':
      return 64;
    default:
      return 32;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A positive integer field, or null when absent; anything else is a 400. */
export function positiveInteger(value: unknown, param: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RequestError(`${param} must be a positive integer`, param);
  }
  return value;
}
