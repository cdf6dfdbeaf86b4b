/**
 * OpenAI `messages` -> Gemini `systemInstruction` + `contents` (gemini-mapping.md §5.1):
 *
 * - every system/developer message, in order, joined into one system instruction;
 * - user -> role `user`, assistant -> role `model`, tool -> a `user` turn of `functionResponse` parts;
 *   consecutive turns with the same role are merged, so consecutive tool results share one turn;
 * - a tool result's function name comes from the earlier assistant tool call with that id (OpenAI does
 *   not send it); an unknown id is the client's 400, never a made-up name;
 * - a tool result that is a JSON object is sent as that object, anything else as `{content: <text>}`
 *   (`functionResponse.response` must be an object); an object with `$`-keys (`$ref`, `$defs`, e.g. a
 *   JSON Schema returned by a tool) goes as text, because Gemini 3 rejects those keys there;
 * - images and files (PDFs) in a tool result go inside `functionResponse.parts` on Gemini 3 and as
 *   sibling parts of the same turn on older models, which take no media in a function response;
 * - replayed function calls get their thought signature back from our tool-call id, or from
 *   `extra_content.google.thought_signature`; on Gemini 3 a turn whose first call has none gets
 *   Google's documented sentinel, because Gemini 3 rejects unsigned calls of the current turn.
 *
 * OpenAI tool-call ids are ours, not Gemini's, so they are never sent as `functionCall.id`.
 */
import type { ChatMessage, ToolCall } from '../../openai/request.ts';
import { invalidRequestError } from './errors.ts';
import type { GeminiContent, GeminiPart } from './gemini-types.ts';
import { convertUserContent, type PartContext } from './convert-user-parts.ts';
import { decodeThoughtSignature } from './tool-call-id.ts';

/** https://ai.google.dev/gemini-api/docs/thought-signatures (FAQ: replaying calls without a signature). */
export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

export interface MessageContext extends PartContext {
  /** Gemini 3 validates thought signatures on replayed function calls. */
  readonly requiresThoughtSignatures: boolean;
  /** Gemini 3 takes media inside `functionResponse.parts`. */
  readonly functionResponseParts?: boolean;
}

export interface ConvertedMessages {
  systemInstruction?: { parts: Array<{ text: string }> };
  contents: GeminiContent[];
}

function textOf(content: string | Array<{ type: string; text?: string; refusal?: string }>): string {
  if (typeof content === 'string') return content;
  return content.map((part) => part.text ?? part.refusal ?? '').join('');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function signatureOf(call: ToolCall): string | undefined {
  const fromId = decodeThoughtSignature(call.id);
  if (fromId !== undefined) return fromId;
  const extra = call.extra_content;
  if (!isPlainObject(extra) || !isPlainObject(extra.google)) return undefined;
  const signature = extra.google.thought_signature;
  return typeof signature === 'string' && signature !== '' ? signature : undefined;
}

function parseArguments(call: ToolCall): Record<string, unknown> {
  if (call.function.arguments.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(call.function.arguments);
  } catch {
    throw invalidRequestError(`tool call ${call.function.name}: function.arguments is not valid JSON`);
  }
  if (!isPlainObject(parsed)) {
    throw invalidRequestError(`tool call ${call.function.name}: function.arguments must be a JSON object`);
  }
  return parsed;
}

/** Any key starting with `$` anywhere in the value (bounded depth: deeper values count as having one). */
export function hasDollarKey(value: unknown, depth = 0): boolean {
  if (depth > 64) return true;
  if (Array.isArray(value)) return value.some((item) => hasDollarKey(item, depth + 1));
  if (!isPlainObject(value)) return false;
  return Object.entries(value).some(([key, item]) => key.startsWith('$') || hasDollarKey(item, depth + 1));
}

function toolResponse(content: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(content);
    if (isPlainObject(parsed) && !hasDollarKey(parsed)) return parsed;
  } catch {
    // Not JSON: sent as text below.
  }
  return { content };
}

async function toolResultParts(
  message: Extract<ChatMessage, { role: 'tool' }>,
  name: string,
  context: MessageContext,
): Promise<GeminiPart[]> {
  const content = message.content;
  if (typeof content === 'string') return [{ functionResponse: { name, response: toolResponse(content) } }];
  const text = content.map((part) => (part.type === 'text' ? part.text : '')).join('');
  const media = await convertUserContent(
    content.filter((part) => part.type !== 'text'),
    context,
  );
  const response: GeminiPart = { functionResponse: { name, response: toolResponse(text) } };
  if (media.length === 0) return [response];
  const inline = media.filter(
    (part): part is GeminiPart & { inlineData: NonNullable<GeminiPart['inlineData']> } =>
      part.inlineData !== undefined,
  );
  if (context.functionResponseParts && inline.length === media.length && response.functionResponse) {
    response.functionResponse.parts = inline.map((part) => ({ inlineData: part.inlineData }));
    return [response];
  }
  return [response, ...media];
}

function assistantParts(
  message: Extract<ChatMessage, { role: 'assistant' }>,
  toolNames: Map<string, string>,
): GeminiPart[] {
  const parts: GeminiPart[] = [];
  const text = message.content === undefined || message.content === null ? '' : textOf(message.content);
  if (text !== '') parts.push({ text });
  for (const call of message.tool_calls ?? []) {
    toolNames.set(call.id, call.function.name);
    const part: GeminiPart = { functionCall: { name: call.function.name, args: parseArguments(call) } };
    const signature = signatureOf(call);
    if (signature !== undefined) part.thoughtSignature = signature;
    parts.push(part);
  }
  return parts;
}

function pushTurn(contents: GeminiContent[], role: GeminiContent['role'], parts: GeminiPart[]): void {
  if (parts.length === 0) return;
  const last = contents[contents.length - 1];
  if (last !== undefined && last.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

function addSignatureSentinels(contents: GeminiContent[]): void {
  for (const content of contents) {
    if (content.role !== 'model') continue;
    const firstCall = content.parts.find((part) => part.functionCall !== undefined);
    if (firstCall !== undefined && firstCall.thoughtSignature === undefined) {
      firstCall.thoughtSignature = SKIP_THOUGHT_SIGNATURE;
    }
  }
}

export async function convertMessages(
  messages: ChatMessage[],
  context: MessageContext,
): Promise<ConvertedMessages> {
  const system: string[] = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  for (const message of messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOf(message.content));
        break;
      case 'user':
        pushTurn(contents, 'user', await convertUserContent(message.content, context));
        break;
      case 'assistant':
        pushTurn(contents, 'model', assistantParts(message, toolNames));
        break;
      case 'tool': {
        const name = toolNames.get(message.tool_call_id);
        if (name === undefined) {
          throw invalidRequestError(
            `tool message refers to tool_call_id "${message.tool_call_id.slice(0, 64)}", ` +
              'which no earlier assistant tool call has',
          );
        }
        pushTurn(contents, 'user', await toolResultParts(message, name, context));
        break;
      }
      default: {
        const unhandled: never = message;
        return unhandled;
      }
    }
  }
  if (context.requiresThoughtSignatures) addSignatureSentinels(contents);
  const converted: ConvertedMessages = { contents };
  if (system.length > 0) converted.systemInstruction = { parts: [{ text: system.join('\n\n') }] };
  return converted;
}
