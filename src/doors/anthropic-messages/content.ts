/**
 * Anthropic content blocks -> canonical (Chat Completions) messages, one turn at a time:
 *
 * - user `text` / `image` / `document` blocks become the parts of a user message; `tool_result` blocks
 *   become `tool` messages (in their place, so order is kept); `is_error` results are sent as
 *   `{"error": <text>}`, the shape Gemini documents for a failed function;
 * - assistant `text` becomes content, `tool_use` becomes a tool call (its id carries Gemini's thought
 *   signature, see providers/gemini/tool-call-id.ts), `thinking` becomes `reasoning_content`, and a
 *   thinking block's `signature` that Portico issued puts the Gemini signature back on the turn's first
 *   call when its id lost it; `redacted_thinking` (Claude's encrypted reasoning) is accepted and not sent:
 *   no other model can read it.
 *
 * Anything Portico cannot honour (Files API sources, server tools' blocks, citations to produce) is a 400
 * naming the block.
 */
import type { ChatMessage, ToolCall, ToolResultPart, UserContentPart } from '../../openai/request.ts';
import {
  array,
  boolean,
  checkCacheControl,
  given,
  invalid,
  isObject,
  object,
  oneOf,
  onlyKeys,
  string,
  type JsonObject,
} from './fields.ts';
import { geminiSignatureFromThinking } from './signature.ts';

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;

const TEXT_KEYS = new Set(['type', 'text', 'cache_control', 'citations']);
const IMAGE_KEYS = new Set(['type', 'source', 'cache_control']);
const DOCUMENT_KEYS = new Set(['type', 'source', 'cache_control', 'citations', 'context', 'title']);
const TOOL_RESULT_KEYS = new Set(['type', 'tool_use_id', 'content', 'is_error', 'cache_control']);
const TOOL_USE_KEYS = new Set(['type', 'id', 'name', 'input', 'cache_control', 'caller']);
const THINKING_KEYS = new Set(['type', 'thinking', 'signature']);
const REDACTED_KEYS = new Set(['type', 'data']);

/**
 * A text block. `citations` on an input text block records where an earlier answer came from: it asks
 * nothing of the model and is accepted.
 */
function textOf(block: JsonObject, param: string): string {
  onlyKeys(block, TEXT_KEYS, param);
  checkCacheControl(block.cache_control, `${param}.cache_control`);
  if (given(block.citations)) array(block.citations, `${param}.citations`);
  return string(block.text, `${param}.text`);
}

function imagePart(block: JsonObject, param: string): UserContentPart & ToolResultPart {
  onlyKeys(block, IMAGE_KEYS, param);
  checkCacheControl(block.cache_control, `${param}.cache_control`);
  const source = object(block.source, `${param}.source`);
  const sourceType = oneOf(source.type, `${param}.source.type`, ['base64', 'url', 'file']);
  if (sourceType === 'file') {
    throw invalid(`${param}.source`, 'Files API sources are not supported; send base64 data or a URL');
  }
  if (sourceType === 'url') {
    onlyKeys(source, new Set(['type', 'url']), `${param}.source`);
    return { type: 'image_url', image_url: { url: string(source.url, `${param}.source.url`, 1) } };
  }
  onlyKeys(source, new Set(['type', 'media_type', 'data']), `${param}.source`);
  const mediaType = oneOf(source.media_type, `${param}.source.media_type`, IMAGE_TYPES);
  const data = string(source.data, `${param}.source.data`, 1);
  return { type: 'image_url', image_url: { url: `data:${mediaType};base64,${data}` } };
}

/**
 * A document: a PDF (base64 or URL), plain text, or content blocks. Its `title` and `context` are given
 * to the model as a text part before it; `citations.enabled` cannot be honoured (the upstreams return
 * no citations into documents).
 */
function documentParts(block: JsonObject, param: string): Array<UserContentPart & ToolResultPart> {
  onlyKeys(block, DOCUMENT_KEYS, param);
  checkCacheControl(block.cache_control, `${param}.cache_control`);
  if (given(block.citations)) {
    const citations = object(block.citations, `${param}.citations`);
    onlyKeys(citations, new Set(['enabled']), `${param}.citations`);
    if (given(citations.enabled) && boolean(citations.enabled, `${param}.citations.enabled`)) {
      throw invalid(`${param}.citations`, 'document citations are not supported by Portico');
    }
  }
  const parts: Array<UserContentPart & ToolResultPart> = [];
  const preface = [
    given(block.title) ? string(block.title, `${param}.title`) : '',
    given(block.context) ? string(block.context, `${param}.context`) : '',
  ].filter((text) => text !== '');
  if (preface.length > 0) parts.push({ type: 'text', text: preface.join('\n\n') });
  const source = object(block.source, `${param}.source`);
  const sourceParam = `${param}.source`;
  switch (oneOf(source.type, `${sourceParam}.type`, ['base64', 'url', 'text', 'content', 'file'])) {
    case 'base64': {
      onlyKeys(source, new Set(['type', 'media_type', 'data']), sourceParam);
      oneOf(source.media_type, `${sourceParam}.media_type`, ['application/pdf']);
      const data = string(source.data, `${sourceParam}.data`, 1);
      parts.push({ type: 'file', file: { file_data: `data:application/pdf;base64,${data}` } });
      break;
    }
    case 'url':
      // Fetched (through the SSRF guard) and inlined by the provider, with the type the server sends.
      onlyKeys(source, new Set(['type', 'url']), sourceParam);
      parts.push({ type: 'image_url', image_url: { url: string(source.url, `${sourceParam}.url`, 1) } });
      break;
    case 'text':
      onlyKeys(source, new Set(['type', 'media_type', 'data']), sourceParam);
      oneOf(source.media_type, `${sourceParam}.media_type`, ['text/plain']);
      parts.push({ type: 'text', text: string(source.data, `${sourceParam}.data`) });
      break;
    case 'content': {
      onlyKeys(source, new Set(['type', 'content']), sourceParam);
      if (typeof source.content === 'string') parts.push({ type: 'text', text: source.content });
      else {
        const blocks = array(source.content, `${sourceParam}.content`, 1);
        blocks.forEach((item, index) => {
          const itemParam = `${sourceParam}.content[${index}]`;
          const inner = object(item, itemParam);
          const innerType = oneOf(inner.type, `${itemParam}.type`, ['text', 'image']);
          parts.push(
            innerType === 'text'
              ? { type: 'text', text: textOf(inner, itemParam) }
              : imagePart(inner, itemParam),
          );
        });
      }
      break;
    }
    case 'file':
      throw invalid(sourceParam, 'Files API sources are not supported; send base64 data, a URL or text');
  }
  return parts;
}

/** A tool result's content: text, images and documents, as Gemini 3 takes them in a function response. */
function toolResultMessage(block: JsonObject, param: string): ChatMessage {
  onlyKeys(block, TOOL_RESULT_KEYS, param);
  checkCacheControl(block.cache_control, `${param}.cache_control`);
  const toolCallId = string(block.tool_use_id, `${param}.tool_use_id`, 1);
  const isError = given(block.is_error) && boolean(block.is_error, `${param}.is_error`);
  const parts: ToolResultPart[] = [];
  if (typeof block.content === 'string') parts.push({ type: 'text', text: block.content });
  else if (given(block.content)) {
    array(block.content, `${param}.content`).forEach((item, index) => {
      const itemParam = `${param}.content[${index}]`;
      const inner = object(item, itemParam);
      switch (inner.type) {
        case 'text':
          parts.push({ type: 'text', text: textOf(inner, itemParam) });
          break;
        case 'image':
          parts.push(imagePart(inner, itemParam));
          break;
        case 'document':
          parts.push(...documentParts(inner, itemParam));
          break;
        case 'tool_reference':
          // Tool search's answer: deferred tools are declared up front (request.ts), so it names one.
          onlyKeys(inner, new Set(['type', 'tool_name', 'cache_control']), itemParam);
          parts.push({
            type: 'text',
            text: `Tool available: ${string(inner.tool_name, `${itemParam}.tool_name`, 1)}`,
          });
          break;
        default:
          throw invalid(
            `${itemParam}.type`,
            'a tool result may hold text, image, document and tool_reference blocks',
          );
      }
    });
  }
  const text = parts
    .filter((part) => part.type === 'text')
    .map((part) => part.text)
    .join('\n');
  const media = parts.filter((part) => part.type !== 'text');
  // Gemini's documented shape for a failed call; other upstreams read the same JSON as text.
  const body = isError ? JSON.stringify({ error: text === '' ? 'the tool failed' : text }) : text;
  const content: string | ToolResultPart[] =
    media.length === 0 ? body : [...(body === '' ? [] : [{ type: 'text' as const, text: body }]), ...media];
  return { role: 'tool', tool_call_id: toolCallId, content };
}

/** A user turn: its parts, with each tool result split out as a `tool` message where it stands. */
export function userMessages(content: unknown, param: string): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const blocks = array(content, param, 1);
  const messages: ChatMessage[] = [];
  let parts: UserContentPart[] = [];
  const flush = (): void => {
    if (parts.length > 0) messages.push({ role: 'user', content: parts });
    parts = [];
  };
  blocks.forEach((item, index) => {
    const blockParam = `${param}[${index}]`;
    const block = object(item, blockParam);
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: textOf(block, blockParam) });
        break;
      case 'image':
        parts.push(imagePart(block, blockParam));
        break;
      case 'document':
        parts.push(...documentParts(block, blockParam));
        break;
      case 'tool_result':
        flush();
        messages.push(toolResultMessage(block, blockParam));
        break;
      default:
        throw unsupportedBlock(block, blockParam, 'user');
    }
  });
  flush();
  return messages;
}

function unsupportedBlock(block: JsonObject, param: string, role: string): Error {
  const type = typeof block.type === 'string' ? block.type : undefined;
  return invalid(
    `${param}.type`,
    type === undefined
      ? 'a content block needs a type'
      : `"${type.slice(0, 64)}" blocks are not supported in ${role} turns by Portico`,
  );
}

function toolCall(block: JsonObject, param: string): ToolCall {
  onlyKeys(block, TOOL_USE_KEYS, param);
  checkCacheControl(block.cache_control, `${param}.cache_control`);
  if (given(block.caller)) {
    const caller = object(block.caller, `${param}.caller`);
    if (caller.type !== 'direct') throw invalid(`${param}.caller`, 'only direct tool calls are supported');
  }
  const input = block.input === undefined ? {} : block.input;
  if (!isObject(input)) throw invalid(`${param}.input`, 'must be an object');
  return {
    id: string(block.id, `${param}.id`, 1),
    type: 'function',
    function: { name: string(block.name, `${param}.name`, 1), arguments: JSON.stringify(input) },
  };
}

/** An assistant turn: text, tool calls, and the reasoning of that turn. */
export function assistantMessage(content: unknown, param: string): ChatMessage {
  if (typeof content === 'string') return { role: 'assistant', content };
  const blocks = array(content, param);
  const texts: Array<{ type: 'text'; text: string }> = [];
  const calls: ToolCall[] = [];
  const thinking: string[] = [];
  let signature: string | undefined;
  blocks.forEach((item, index) => {
    const blockParam = `${param}[${index}]`;
    const block = object(item, blockParam);
    switch (block.type) {
      case 'text':
        texts.push({ type: 'text', text: textOf(block, blockParam) });
        break;
      case 'tool_use':
        calls.push(toolCall(block, blockParam));
        break;
      case 'thinking': {
        onlyKeys(block, THINKING_KEYS, blockParam);
        thinking.push(string(block.thinking, `${blockParam}.thinking`));
        const signed = given(block.signature) ? string(block.signature, `${blockParam}.signature`) : '';
        signature ??= geminiSignatureFromThinking(signed);
        break;
      }
      case 'redacted_thinking':
        onlyKeys(block, REDACTED_KEYS, blockParam);
        string(block.data, `${blockParam}.data`);
        break;
      default:
        throw unsupportedBlock(block, blockParam, 'assistant');
    }
  });
  const first = calls[0];
  // Google's own convention for a signature beside the call; the provider prefers the one in the id.
  if (first !== undefined && signature !== undefined) {
    first.extra_content = { google: { thought_signature: signature } };
  }
  const message: ChatMessage = { role: 'assistant', content: texts.length > 0 ? texts : null };
  if (calls.length > 0) message.tool_calls = calls;
  if (thinking.length > 0) message.reasoning_content = thinking.join('\n\n');
  return message;
}

/** A system prompt: a string or text blocks (`cache_control` accepted, see fields.ts). */
export function systemContent(value: unknown, param: string): string | Array<{ type: 'text'; text: string }> {
  if (typeof value === 'string') return value;
  return array(value, param).map((item, index) => {
    const blockParam = `${param}[${index}]`;
    const block = object(item, blockParam);
    if (block.type !== 'text') throw invalid(`${blockParam}.type`, 'system blocks must be text blocks');
    return { type: 'text', text: textOf(block, blockParam) };
  });
}
