/**
 * Gemini `finishReason` -> OpenAI `finish_reason` (gemini-mapping.md §6.2). Function calls end with
 * STOP, so "a call was emitted" is decided from the parts, not from the reason: any outcome that would
 * be `stop` becomes `tool_calls` when the candidate produced a function call, because the client must
 * answer those calls. `length` and `content_filter` are kept: they say why the output is incomplete.
 */
import type { FinishReason } from '../../openai/response.ts';

export const GEMINI_FINISH_REASONS = [
  'STOP',
  'MAX_TOKENS',
  'SAFETY',
  'RECITATION',
  'LANGUAGE',
  'OTHER',
  'FINISH_REASON_UNSPECIFIED',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'MALFORMED_FUNCTION_CALL',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
  'IMAGE_OTHER',
  'NO_IMAGE',
  'UNEXPECTED_TOOL_CALL',
  'TOO_MANY_TOOL_CALLS',
] as const;

export type GeminiFinishReason = (typeof GEMINI_FINISH_REASONS)[number];

const KNOWN: ReadonlySet<string> = new Set(GEMINI_FINISH_REASONS);

function isKnown(reason: string): reason is GeminiFinishReason {
  return KNOWN.has(reason);
}

/** The reason alone, before function calls are taken into account. Unknown values are `stop`. */
function baseFinishReason(reason: string): FinishReason {
  if (!isKnown(reason)) return 'stop';
  switch (reason) {
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'LANGUAGE':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
      return 'content_filter';
    case 'STOP':
    case 'OTHER':
    case 'FINISH_REASON_UNSPECIFIED':
    case 'MALFORMED_FUNCTION_CALL':
    case 'UNEXPECTED_TOOL_CALL':
    case 'TOO_MANY_TOOL_CALLS':
    case 'IMAGE_OTHER':
    case 'NO_IMAGE':
      return 'stop';
    default: {
      const unhandled: never = reason;
      return unhandled;
    }
  }
}

export function mapFinishReason(reason: string | undefined, hasToolCalls: boolean): FinishReason {
  const base = baseFinishReason(reason ?? 'FINISH_REASON_UNSPECIFIED');
  return base === 'stop' && hasToolCalls ? 'tool_calls' : base;
}
