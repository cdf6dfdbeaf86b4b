/**
 * A non-streaming upstream body -> Choice[], token counts and the upstream id. Structural checks are
 * minimal: a body that is not an object with a `choices` array is a protocol error; inside a choice,
 * fields of the wrong type read as absent.
 */
import type { Choice, ResponseToolCall, TokenCounts } from '../../openai/response.ts';
import { convertUsage } from './convert-usage.ts';
import { arrayAt, countAt, isRecord, recordAt, stringAt, type JsonRecord } from './json-shape.ts';
import { mapFinishReason } from './map-finish-reason.ts';
import { encodeToolCallId, extraContentFor, newToolCallId, signatureIn } from './tool-call-id.ts';
import { errorPayloadError, isErrorPayload, protocolError } from './upstream-errors.ts';

/**
 * A response tool call that may also carry Gemini's `extra_content`, passed through so clients that echo
 * whole messages send it back unchanged (the id encoding covers clients that echo only id/function).
 */
export interface ToolCallWithExtra extends ResponseToolCall {
  extra_content?: unknown;
}

export interface ConvertedCompletion {
  choices: Choice[];
  counts: TokenCounts | undefined;
  upstreamId: string | undefined;
}

export function convertCompletion(body: unknown): ConvertedCompletion {
  if (isErrorPayload(body)) throw errorPayloadError(body);
  if (!isRecord(body)) throw protocolError('response body is not a JSON object');
  const rawChoices = arrayAt(body, 'choices');
  if (!rawChoices) throw protocolError('response has no choices array');
  return {
    choices: rawChoices.map(convertChoice),
    counts: convertUsage(body.usage),
    upstreamId: stringAt(body, 'id'),
  };
}

function convertChoice(raw: unknown, position: number): Choice {
  if (!isRecord(raw)) throw protocolError('a choice is not an object');
  const message = recordAt(raw, 'message') ?? {};
  const reasoning = reasoningOf(message);
  const toolCalls = arrayAt(message, 'tool_calls');
  const choice: Choice = {
    index: countAt(raw, 'index') ?? position,
    message: {
      role: 'assistant',
      content: contentOf(message.content),
      ...(reasoning !== undefined ? { reasoning_content: reasoning } : {}),
      ...(toolCalls && toolCalls.length > 0 ? { tool_calls: convertToolCalls(toolCalls, message) } : {}),
    },
    finish_reason: mapFinishReason(raw.finish_reason),
  };
  if (raw.logprobs !== undefined && raw.logprobs !== null) choice.logprobs = raw.logprobs;
  return choice;
}

/** `reasoning_content` (DeepSeek, vLLM, LiteLLM) or `reasoning` (newer vLLM, OpenRouter, Ollama). */
export function reasoningOf(message: JsonRecord): string | undefined {
  const reasoning = stringAt(message, 'reasoning_content') ?? stringAt(message, 'reasoning');
  return reasoning === '' ? undefined : reasoning;
}

/** A string, or an array of text parts (a few servers answer in the request's part format). */
function contentOf(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const texts = content.flatMap((part) => {
    const text = isRecord(part) ? stringAt(part, 'text') : undefined;
    return text === undefined ? [] : [text];
  });
  return texts.length > 0 ? texts.join('') : null;
}

/**
 * Gemini puts the signature on the message rather than the call in some answers; it belongs to the
 * first function call of the turn (Gemini's rule for parallel calls), so it is attached there.
 */
function convertToolCalls(rawCalls: unknown[], message: JsonRecord): ToolCallWithExtra[] {
  let messageSignature =
    signatureIn(message.extra_content) ?? (stringAt(message, 'thought_signature') || undefined);
  return rawCalls.map((raw) => {
    if (!isRecord(raw)) throw protocolError('a tool call is not an object');
    const fn = recordAt(raw, 'function');
    const name = stringAt(fn, 'name');
    if (name === undefined || name === '') throw protocolError('a tool call has no function name');
    const ownSignature = signatureIn(raw.extra_content);
    const signature = ownSignature ?? messageSignature;
    messageSignature = undefined;
    const call: ToolCallWithExtra = {
      id: encodeToolCallId(stringAt(raw, 'id') || newToolCallId(), signature),
      type: 'function',
      function: { name, arguments: argumentsOf(fn?.arguments) },
    };
    if (raw.extra_content !== undefined) call.extra_content = raw.extra_content;
    else if (signature !== undefined) call.extra_content = extraContentFor(signature);
    return call;
  });
}

/** Arguments are a JSON string in OpenAI's format; a few servers send the object itself. */
export function argumentsOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return JSON.stringify(value);
}
