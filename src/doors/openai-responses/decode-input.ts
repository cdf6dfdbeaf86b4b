/**
 * `instructions` + `input` (a string, or a list of items) -> canonical chat messages.
 *
 * Items of one assistant turn (a `reasoning` item, an assistant `message`, `function_call` items) fold into
 * one canonical assistant message (reasoning_content, content, tool_calls), because that is one model
 * turn upstream (Gemini's `model` content). `function_call_output` becomes a `tool` message. An
 * `item_reference`, or any item for a tool Portico does not run, is refused naming the item.
 */
import type { ChatMessage, ToolCall, ToolResultPart, UserContentPart } from '../../openai/request.ts';
import {
  array,
  invalid,
  nonEmptyString,
  object,
  oneOf,
  onlyKnown,
  optionalString,
  string,
  unsupported,
  type JsonObject,
} from './fields.ts';
import { readReasoningToken } from './reasoning-token.ts';

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;
type TextPart = { type: 'text'; text: string };

const MESSAGE_KEYS = new Set(['type', 'role', 'content', 'id', 'status', 'phase']);
/** `parsed_arguments` / `parsed`: what the openai SDK's parse helpers add to items a client sends back. */
const FUNCTION_CALL_KEYS = new Set([
  'type',
  'call_id',
  'name',
  'arguments',
  'parsed_arguments',
  'id',
  'status',
  'caller',
]);
const TEXT_KEYS = new Set(['type', 'text', 'annotations', 'logprobs', 'parsed']);
const OUTPUT_KEYS = new Set(['type', 'call_id', 'output', 'id', 'status', 'caller']);
const REASONING_KEYS = new Set(['type', 'id', 'summary', 'content', 'encrypted_content', 'status']);
const IMAGE_KEYS = new Set(['type', 'image_url', 'file_id', 'detail', 'prompt_cache_breakpoint']);
const FILE_KEYS = new Set([
  'type',
  'file_data',
  'file_id',
  'file_url',
  'filename',
  'detail',
  'prompt_cache_breakpoint',
]);

/** `caller` names who made a call; only the model itself (`direct`) is something Portico produces. */
function checkCaller(item: JsonObject, param: string): void {
  if (item.caller === undefined || item.caller === null) return;
  const caller = object(item.caller, `${param}.caller`);
  if (caller.type !== 'direct') {
    throw unsupported(`${param}.caller`, 'only calls made by the model itself (type "direct") are supported');
  }
}

function textPart(part: JsonObject, param: string): TextPart {
  onlyKnown(part, param, TEXT_KEYS);
  return { type: 'text', text: string(part.text, `${param}.text`) };
}

/** `input_image` -> an image part (URL or data: URL), or a file part for a `file_id`. */
function imagePart(part: JsonObject, param: string): UserContentPart {
  onlyKnown(part, param, IMAGE_KEYS);
  const rawDetail = part.detail ?? 'auto';
  const detail = oneOf(rawDetail, `${param}.detail`, ['auto', 'low', 'high', 'original']);
  const url = optionalString(part.image_url, `${param}.image_url`);
  const fileId = optionalString(part.file_id, `${param}.file_id`);
  if ((url === undefined) === (fileId === undefined)) {
    throw invalid(param, 'an input_image needs exactly one of image_url or file_id');
  }
  if (fileId !== undefined)
    return { type: 'file', file: { file_id: nonEmptyString(fileId, `${param}.file_id`) } };
  // `original` (full resolution) is the most detail Gemini offers: `high`.
  const canonicalDetail = detail === 'original' ? 'high' : detail;
  return {
    type: 'image_url',
    image_url: { url: nonEmptyString(url, `${param}.image_url`), detail: canonicalDetail },
  };
}

/** `input_file` -> a file part; a `file_url` becomes a media URL part, fetched through the SSRF guard. */
function filePart(part: JsonObject, param: string): UserContentPart {
  onlyKnown(part, param, FILE_KEYS);
  if (part.detail !== undefined) oneOf(part.detail, `${param}.detail`, ['auto', 'low', 'high']);
  const data = optionalString(part.file_data, `${param}.file_data`);
  const fileId = optionalString(part.file_id, `${param}.file_id`);
  const url = optionalString(part.file_url, `${param}.file_url`);
  const filename = optionalString(part.filename, `${param}.filename`);
  const given = [data, fileId, url].filter((value) => value !== undefined).length;
  if (given !== 1) throw invalid(param, 'an input_file needs exactly one of file_data, file_id or file_url');
  if (url !== undefined)
    return { type: 'image_url', image_url: { url: nonEmptyString(url, `${param}.file_url`) } };
  return {
    type: 'file',
    file: {
      ...(data !== undefined ? { file_data: data } : {}),
      ...(fileId !== undefined ? { file_id: fileId } : {}),
      ...(filename !== undefined ? { filename } : {}),
    },
  };
}

function userPart(value: unknown, param: string): UserContentPart {
  const part = object(value, param);
  switch (part.type) {
    case 'input_text':
      return textPart(part, param);
    case 'input_image':
      return imagePart(part, param);
    case 'input_file':
      return filePart(part, param);
    default:
      throw invalid(`${param}.type`, "expected one of 'input_text', 'input_image', 'input_file'");
  }
}

function messageItem(item: JsonObject, param: string): ChatMessage {
  onlyKnown(item, param, MESSAGE_KEYS);
  const role = oneOf(item.role, `${param}.role`, ['user', 'assistant', 'system', 'developer']);
  if (item.phase !== undefined && item.phase !== null) {
    oneOf(item.phase, `${param}.phase`, ['commentary', 'final_answer']);
  }
  const content = item.content;
  if (typeof content === 'string') return { role, content } as ChatMessage;
  const parts = array(content, `${param}.content`);
  if (role === 'user') {
    if (parts.length === 0) throw invalid(`${param}.content`, 'must not be empty');
    return { role, content: parts.map((part, index) => userPart(part, `${param}.content[${index}]`)) };
  }
  if (role === 'assistant') {
    const texts: Array<TextPart | { type: 'refusal'; refusal: string }> = parts.map((value, index) => {
      const partParam = `${param}.content[${index}]`;
      const part = object(value, partParam);
      if (part.type === 'output_text' || part.type === 'input_text') return textPart(part, partParam);
      if (part.type === 'refusal') {
        onlyKnown(part, partParam, new Set(['type', 'refusal']));
        return { type: 'refusal', refusal: string(part.refusal, `${partParam}.refusal`) };
      }
      throw invalid(`${partParam}.type`, "expected one of 'output_text', 'refusal'");
    });
    return { role, content: texts };
  }
  const texts = parts.map((value, index) => {
    const partParam = `${param}.content[${index}]`;
    const part = object(value, partParam);
    if (part.type !== 'input_text') {
      throw invalid(`${partParam}.type`, `a ${role} message takes only 'input_text' parts`);
    }
    return textPart(part, partParam);
  });
  return { role, content: texts };
}

function functionCall(item: JsonObject, param: string): ToolCall {
  onlyKnown(item, param, FUNCTION_CALL_KEYS);
  checkCaller(item, param);
  return {
    id: nonEmptyString(item.call_id, `${param}.call_id`),
    type: 'function',
    function: {
      name: nonEmptyString(item.name, `${param}.name`),
      arguments: string(item.arguments, `${param}.arguments`),
    },
  };
}

function outputPart(value: unknown, param: string): ToolResultPart {
  const part = userPart(value, param);
  if (part.type === 'input_audio') throw invalid(param, 'audio is not a tool output');
  return part;
}

function functionOutput(item: JsonObject, param: string): ChatMessage {
  onlyKnown(item, param, OUTPUT_KEYS);
  checkCaller(item, param);
  const callId = nonEmptyString(item.call_id, `${param}.call_id`);
  const output = item.output;
  if (typeof output === 'string') return { role: 'tool', tool_call_id: callId, content: output };
  const parts = array(output, `${param}.output`).map((part, index) =>
    outputPart(part, `${param}.output[${index}]`),
  );
  return { role: 'tool', tool_call_id: callId, content: parts };
}

/** The reasoning text of a `reasoning` item: its summary (or raw content), or Portico's own token. */
function reasoningText(item: JsonObject, param: string): string {
  onlyKnown(item, param, REASONING_KEYS);
  const texts: string[] = [];
  const summary = item.summary === undefined ? [] : array(item.summary, `${param}.summary`);
  for (const [index, value] of summary.entries()) {
    const part = object(value, `${param}.summary[${index}]`);
    if (part.type !== 'summary_text')
      throw invalid(`${param}.summary[${index}].type`, "expected 'summary_text'");
    texts.push(string(part.text, `${param}.summary[${index}].text`));
  }
  if (texts.length === 0 && item.content !== undefined && item.content !== null) {
    for (const [index, value] of array(item.content, `${param}.content`).entries()) {
      const part = object(value, `${param}.content[${index}]`);
      if (part.type !== 'reasoning_text') {
        throw invalid(`${param}.content[${index}].type`, "expected 'reasoning_text'");
      }
      texts.push(string(part.text, `${param}.content[${index}].text`));
    }
  }
  const token = optionalString(item.encrypted_content, `${param}.encrypted_content`);
  if (token !== undefined) {
    const text = readReasoningToken(token);
    if (text === undefined) {
      throw unsupported(
        `${param}.encrypted_content`,
        'this encrypted reasoning was not made by Portico and cannot be read; drop the reasoning item',
      );
    }
    if (texts.length === 0) texts.push(text);
  }
  return texts.join('\n\n');
}

/** Builds the canonical messages, folding the items of each assistant turn together. */
class Conversation {
  readonly messages: ChatMessage[] = [];
  #assistant: AssistantMessage | undefined;

  push(message: ChatMessage): void {
    this.#assistant = undefined;
    this.messages.push(message);
  }

  reasoning(text: string): void {
    const current = this.#assistant;
    if (current && current.content == null && !current.tool_calls) {
      current.reasoning_content = current.reasoning_content
        ? `${current.reasoning_content}\n\n${text}`
        : text;
      return;
    }
    this.#open({ role: 'assistant', content: null, reasoning_content: text });
  }

  assistantText(message: AssistantMessage): void {
    const current = this.#assistant;
    if (current && current.content == null && !current.tool_calls) {
      current.content = message.content ?? null;
      return;
    }
    this.#open({ ...message });
  }

  call(call: ToolCall): void {
    const current = this.#assistant ?? this.#open({ role: 'assistant', content: null });
    current.tool_calls = [...(current.tool_calls ?? []), call];
  }

  #open(message: AssistantMessage): AssistantMessage {
    this.messages.push(message);
    this.#assistant = message;
    return message;
  }
}

function decodeItem(conversation: Conversation, value: unknown, param: string): void {
  const item = object(value, param);
  const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
  switch (type) {
    case 'message': {
      const message = messageItem(item, param);
      if (message.role === 'assistant') conversation.assistantText(message);
      else conversation.push(message);
      return;
    }
    case 'function_call':
      conversation.call(functionCall(item, param));
      return;
    case 'function_call_output':
      conversation.push(functionOutput(item, param));
      return;
    case 'reasoning':
      conversation.reasoning(reasoningText(item, param));
      return;
    case 'item_reference':
      throw unsupported(
        param,
        'Portico stores no responses, so an item_reference cannot be resolved; send the item itself ' +
          '(with the Vercel AI SDK: providerOptions.openai.store = false)',
      );
    case undefined:
      throw invalid(`${param}.type`, 'an input item needs a type (or a role, for a message)');
    default:
      throw unsupported(
        `${param}.type`,
        `Portico does not run the tool behind '${String(type)}' items; it supports message, function_call, ` +
          'function_call_output and reasoning items',
      );
  }
}

export function decodeInput(input: unknown, instructions: string | undefined): ChatMessage[] {
  const conversation = new Conversation();
  if (instructions !== undefined) conversation.push({ role: 'system', content: instructions });
  if (typeof input === 'string') {
    conversation.push({ role: 'user', content: input });
    return conversation.messages;
  }
  if (input === undefined || input === null) throw invalid('input', 'is required');
  if (!Array.isArray(input)) throw invalid('input', 'expected a string or an array of items');
  for (const [index, item] of input.entries()) decodeItem(conversation, item, `input[${index}]`);
  return conversation.messages;
}
