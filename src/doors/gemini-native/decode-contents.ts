/**
 * Gemini `contents` + `systemInstruction` -> canonical `messages` (the inverse of
 * providers/gemini/convert-messages.ts and convert-user-parts.ts):
 *
 * - `systemInstruction` text parts -> one system message;
 * - a `user` (or legacy `function`) turn -> tool messages for its `functionResponse` parts, then one user
 *   message with its text and media;
 * - a `model` turn -> one assistant message: text, `thought: true` text as `reasoning_content`, function
 *   calls as tool calls whose ids carry the part's thought signature (tool-call-id.ts), executed code and
 *   its result as the fenced blocks Portico gives every client for them;
 * - `inlineData`: images -> `image_url` data URLs, audio -> `input_audio`, anything else -> `file` data;
 * - `fileData`: a YouTube or other http(s) URL -> `image_url` (Portico's remote media), anything else
 *   (Files API names, `gs://`) -> `file.file_id`, which admission checks against the account's grants;
 * - a `functionResponse` answers the call with its `id`, else the earliest unanswered call of its name.
 */
import type { ChatMessage, ToolCall, ToolResultPart, UserContentPart } from '../../openai/request.ts';
import { encodeToolCallId } from '../../providers/gemini/tool-call-id.ts';
import {
  arrayField,
  booleanField,
  invalid,
  isObject,
  readFields,
  stringField,
  type JsonObject,
} from './fields.ts';

const PART_FIELDS = [
  'text',
  'thought',
  'thoughtSignature',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'executableCode',
  'codeExecutionResult',
  'mediaResolution',
];
const PART_REFUSED = {
  videoMetadata: 'video clipping and frame rates cannot be honoured on every deployment',
  partMetadata: 'part metadata cannot be honoured on every deployment',
};

interface PendingCall {
  readonly id: string;
  readonly name: string;
  readonly clientId: string | undefined;
  answered: boolean;
}

function dataUrl(mimeType: string, data: string): string {
  return `data:${mimeType};base64,${data}`;
}

function inlinePart(value: unknown, param: string, detail: 'low' | 'high' | undefined): UserContentPart {
  const fields = readFields(value, param, ['mimeType', 'data']);
  const mimeType = stringField(fields.mimeType, `${param}.mimeType`).toLowerCase();
  const data = stringField(fields.data, `${param}.data`);
  if (mimeType.startsWith('image/')) {
    return { type: 'image_url', image_url: { url: dataUrl(mimeType, data), ...(detail ? { detail } : {}) } };
  }
  const audio = /^audio\/([a-z0-9.+-]+)$/.exec(mimeType);
  if (audio?.[1]) return { type: 'input_audio', input_audio: { data, format: audio[1] } };
  return { type: 'file', file: { file_data: dataUrl(mimeType, data) } };
}

function filePart(value: unknown, param: string): UserContentPart {
  const fields = readFields(value, param, ['mimeType', 'fileUri', 'displayName']);
  const uri = stringField(fields.fileUri, `${param}.fileUri`);
  if (uri === '') throw invalid('must not be empty', `${param}.fileUri`);
  let remote = false;
  try {
    const url = new URL(uri);
    remote = (url.protocol === 'https:' || url.protocol === 'http:') && !/\/files\/[^/]+$/.test(url.pathname);
  } catch {
    remote = false;
  }
  if (remote) return { type: 'image_url', image_url: { url: uri } };
  return { type: 'file', file: { file_id: uri } };
}

const RESOLUTIONS: Readonly<Record<string, 'low' | 'high'>> = {
  MEDIA_RESOLUTION_LOW: 'low',
  MEDIA_RESOLUTION_HIGH: 'high',
};

function mediaDetail(value: unknown, param: string): 'low' | 'high' | undefined {
  if (value === undefined) return undefined;
  const level = isObject(value) ? value.level : value;
  const detail = typeof level === 'string' ? RESOLUTIONS[level] : undefined;
  if (detail === undefined) {
    throw invalid('only MEDIA_RESOLUTION_LOW and MEDIA_RESOLUTION_HIGH can be honoured', param);
  }
  return detail;
}

function codeBlock(language: string, body: string): string {
  const text = body.endsWith('\n') ? body : `${body}\n`;
  return `\n\`\`\`${language}\n${text}\`\`\`\n`;
}

export function systemMessage(value: unknown, param: string): ChatMessage {
  if (typeof value === 'string') return { role: 'system', content: value };
  const fields = readFields(value, param, ['parts', 'role']);
  const parts = arrayField(fields.parts, `${param}.parts`);
  const texts = parts.map((part, index) => {
    const where = `${param}.parts[${index}]`;
    const { text } = readFields(part, where, ['text']);
    return stringField(text, `${where}.text`);
  });
  return { role: 'system', content: texts.join('') };
}

class ContentsDecoder {
  readonly messages: ChatMessage[] = [];
  readonly #calls: PendingCall[] = [];

  turn(value: unknown, param: string): void {
    const fields = readFields(value, param, ['role', 'parts']);
    const role = fields.role === undefined ? 'user' : stringField(fields.role, `${param}.role`);
    const parts = arrayField(fields.parts, `${param}.parts`);
    if (parts.length === 0) throw invalid('must not be empty', `${param}.parts`);
    if (role === 'model') this.#modelTurn(parts, `${param}.parts`);
    else if (role === 'user' || role === 'function') this.#userTurn(parts, `${param}.parts`);
    else throw invalid('must be "user" or "model"', `${param}.role`);
  }

  #modelTurn(parts: unknown[], param: string): void {
    let content = '';
    let reasoning = '';
    const toolCalls: ToolCall[] = [];
    parts.forEach((part, index) => {
      const where = `${param}[${index}]`;
      const fields = readFields(part, where, PART_FIELDS, PART_REFUSED);
      const signature =
        fields.thoughtSignature === undefined
          ? undefined
          : stringField(fields.thoughtSignature, `${where}.thoughtSignature`);
      const thought = fields.thought === undefined ? false : booleanField(fields.thought, `${where}.thought`);
      if (fields.functionCall !== undefined) {
        toolCalls.push(this.#call(fields.functionCall, `${where}.functionCall`, signature));
      } else if (fields.text !== undefined) {
        const text = stringField(fields.text, `${where}.text`);
        if (thought) reasoning += text;
        else content += text;
      } else if (fields.executableCode !== undefined) {
        const code = readFields(fields.executableCode, `${where}.executableCode`, ['language', 'code', 'id']);
        content += codeBlock(String(code.language ?? '').toLowerCase(), String(code.code ?? ''));
      } else if (fields.codeExecutionResult !== undefined) {
        const result = readFields(fields.codeExecutionResult, `${where}.codeExecutionResult`, [
          'outcome',
          'output',
          'id',
        ]);
        content += codeBlock('output', String(result.output ?? ''));
      } else if (!Object.keys(fields).every((key) => key === 'thought' || key === 'thoughtSignature')) {
        throw invalid('a model turn can carry text, thoughts, function calls and executed code only', where);
      }
    });
    const message: Extract<ChatMessage, { role: 'assistant' }> = {
      role: 'assistant',
      content: content === '' ? null : content,
    };
    if (reasoning !== '') message.reasoning_content = reasoning;
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    this.messages.push(message);
  }

  #call(value: unknown, param: string, signature: string | undefined): ToolCall {
    const fields = readFields(value, param, ['id', 'name', 'args']);
    const name = stringField(fields.name, `${param}.name`);
    const args = fields.args ?? {};
    if (!isObject(args)) throw invalid('must be an object', `${param}.args`);
    const clientId = fields.id === undefined ? undefined : stringField(fields.id, `${param}.id`);
    const id = encodeToolCallId(signature);
    this.#calls.push({ id, name, clientId, answered: false });
    return { id, type: 'function', function: { name, arguments: JSON.stringify(args) } };
  }

  #userTurn(parts: unknown[], param: string): void {
    const content: UserContentPart[] = [];
    parts.forEach((part, index) => {
      const where = `${param}[${index}]`;
      const fields = readFields(part, where, PART_FIELDS, PART_REFUSED);
      if (fields.thought === true) throw invalid('a user turn cannot carry thoughts', `${where}.thought`);
      const detail = mediaDetail(fields.mediaResolution, `${where}.mediaResolution`);
      if (fields.functionResponse !== undefined) {
        this.#response(fields.functionResponse, `${where}.functionResponse`);
      } else if (fields.text !== undefined) {
        content.push({ type: 'text', text: stringField(fields.text, `${where}.text`) });
      } else if (fields.inlineData !== undefined) {
        content.push(inlinePart(fields.inlineData, `${where}.inlineData`, detail));
      } else if (fields.fileData !== undefined) {
        content.push(filePart(fields.fileData, `${where}.fileData`));
      } else {
        throw invalid('a user turn can carry text, inlineData, fileData and functionResponse only', where);
      }
    });
    if (content.length > 0) this.messages.push({ role: 'user', content });
  }

  #response(value: unknown, param: string): void {
    const fields = readFields(value, param, ['id', 'name', 'response', 'parts'], {
      willContinue: 'non-blocking function calls cannot be honoured on every deployment',
      scheduling: 'non-blocking function calls cannot be honoured on every deployment',
    });
    const name = stringField(fields.name, `${param}.name`);
    const clientId = fields.id === undefined ? undefined : stringField(fields.id, `${param}.id`);
    const call =
      (clientId === undefined ? undefined : this.#calls.find((entry) => entry.clientId === clientId)) ??
      this.#calls.find((entry) => !entry.answered && entry.name === name);
    if (call === undefined) {
      throw invalid(
        `names "${name.slice(0, 64)}", which no earlier unanswered functionCall has`,
        `${param}.name`,
      );
    }
    call.answered = true;
    const response = fields.response ?? {};
    if (!isObject(response)) throw invalid('must be an object', `${param}.response`);
    const text = JSON.stringify(response);
    if (fields.parts === undefined) {
      this.messages.push({ role: 'tool', tool_call_id: call.id, content: text });
      return;
    }
    const media: ToolResultPart[] = arrayField(fields.parts, `${param}.parts`).map((part, index) => {
      const where = `${param}.parts[${index}]`;
      const entry = readFields(part, where, ['inlineData', 'fileData']);
      const converted =
        entry.inlineData !== undefined
          ? inlinePart(entry.inlineData, `${where}.inlineData`, undefined)
          : filePart(entry.fileData, `${where}.fileData`);
      if (converted.type === 'input_audio') throw invalid('audio cannot be returned by a function', where);
      return converted;
    });
    this.messages.push({ role: 'tool', tool_call_id: call.id, content: [{ type: 'text', text }, ...media] });
  }
}

export function decodeContents(contents: unknown, param: string): ChatMessage[] {
  const turns = arrayField(contents, param);
  if (turns.length === 0) throw invalid('must not be empty', param);
  const decoder = new ContentsDecoder();
  turns.forEach((turn, index) => decoder.turn(turn, `${param}[${index}]`));
  return decoder.messages;
}

export type { JsonObject };
