/**
 * Upstream finish reasons onto the four OpenAI ones. OpenAI-compatible servers mostly send OpenAI's
 * values, but vLLM, llama.cpp and older gateways use a few of their own, and some send them upper-case.
 */
import type { FinishReason } from '../../openai/response.ts';

export function mapFinishReason(raw: unknown): FinishReason | null {
  if (typeof raw !== 'string' || raw === '') return null;
  switch (raw.toLowerCase()) {
    case 'stop':
    case 'eos':
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'length':
    case 'max_tokens':
    case 'model_length':
      return 'length';
    case 'content_filter':
    case 'safety':
    case 'recitation':
      return 'content_filter';
    case 'tool_calls':
    case 'tool_use':
    case 'function_call':
      return 'tool_calls';
    default:
      // Anything else still ended the choice; "stop" is the only honest generic answer.
      return 'stop';
  }
}
