/**
 * The validated OpenAI request -> an Anthropic Messages request (`POST /v1/messages`). System and
 * developer messages become `system`; user parts become text, image (base64 or URL) and PDF document
 * blocks; assistant tool calls become `tool_use` blocks and tool messages `tool_result` blocks in the
 * next user turn (consecutive ones merged, as the API requires alternating roles). `max_tokens` is
 * required by Anthropic: it is always the cap the hold was taken for. Fields Anthropic has no
 * equivalent for are refused with a 400 naming them, or dropped when the model says so.
 */
import { PorticoError } from '../../errors.ts';
import type { ChatCompletionRequest } from '../../openai/request.ts';
import type { ProviderRequest } from '../provider.ts';

type Block = Record<string, unknown>;
interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

/** Thinking budgets for `reasoning_effort` (Anthropic's minimum budget is 1,024). */
const EFFORT_BUDGET: Record<string, number> = { low: 1_024, medium: 4_096, high: 16_384 };
const DEFAULT_MAX_TOKENS = 4_096;

function refuse(param: string, message: string): never {
  throw new PorticoError('invalid_request', { message, param });
}

function imageBlock(url: string): Block {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (match) {
    const mediaType = match[1] as string;
    const type = mediaType === 'application/pdf' ? 'document' : 'image';
    return { type, source: { type: 'base64', media_type: mediaType, data: match[2] } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  return refuse('messages', 'image_url must be a data: URL or an http(s) URL');
}

function userBlocks(
  content: Extract<ChatCompletionRequest['messages'][number], { role: 'user' }>['content'],
): Block[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part): Block => {
    switch (part.type) {
      case 'text':
        return { type: 'text', text: part.text };
      case 'image_url':
        return imageBlock(part.image_url.url);
      case 'file': {
        const data = part.file.file_data;
        if (data === undefined)
          return refuse('messages', 'file_id references are not supported by this upstream');
        return data.startsWith('data:')
          ? imageBlock(data)
          : { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data } };
      }
      case 'input_audio':
        return refuse('messages', 'audio input is not supported by this upstream (Anthropic)');
    }
  });
}

function textOf(content: string | ReadonlyArray<{ type: string; text?: string }> | null | undefined): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => part.text ?? '').join('');
}

function parseArguments(text: string): unknown {
  try {
    const parsed: unknown = JSON.parse(text || '{}');
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return refuse('messages', 'an assistant tool call has arguments that are not JSON');
  }
}

function convertMessages(request: ChatCompletionRequest): {
  system: string | undefined;
  messages: AnthropicMessage[];
} {
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  const push = (role: 'user' | 'assistant', blocks: Block[]) => {
    const last = messages.at(-1);
    if (last && last.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOf(message.content));
        break;
      case 'user':
        push('user', userBlocks(message.content));
        break;
      case 'assistant': {
        const blocks: Block[] = [];
        const text = textOf(message.content as string | Array<{ type: string; text?: string }> | null);
        if (text) blocks.push({ type: 'text', text });
        for (const call of message.tool_calls ?? []) {
          blocks.push({
            type: 'tool_use',
            id: call.id,
            name: call.function.name,
            input: parseArguments(call.function.arguments),
          });
        }
        if (blocks.length > 0) push('assistant', blocks);
        break;
      }
      case 'tool':
        push('user', [
          { type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message.content) },
        ]);
        break;
    }
  }
  return { system: system.length > 0 ? system.join('\n\n') : undefined, messages };
}

function convertTools(request: ChatCompletionRequest, drop: boolean): Block[] | undefined {
  if (!request.tools?.length) return undefined;
  const tools: Block[] = [];
  for (const tool of request.tools) {
    if (tool.type !== 'function') {
      if (drop) continue;
      refuse('tools', `tool type ${tool.type} is not supported by this upstream (Anthropic)`);
    }
    tools.push({
      name: tool.function.name,
      ...(tool.function.description ? { description: tool.function.description } : {}),
      input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
    });
  }
  return tools.length > 0 ? tools : undefined;
}

function convertToolChoice(request: ChatCompletionRequest): Block | undefined {
  const choice = request.tool_choice;
  const parallel = request.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined)
    return request.parallel_tool_calls === false ? { type: 'auto', ...parallel } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...parallel };
  if (choice === 'required') return { type: 'any', ...parallel };
  return { type: 'tool', name: choice.function.name, ...parallel };
}

/** Fields with no Anthropic equivalent: refused (400 naming the field) unless the model drops them. */
const UNSUPPORTED: ReadonlyArray<keyof ChatCompletionRequest> = [
  'response_format',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'logprobs',
  'top_logprobs',
  'logit_bias',
  'prediction',
  'web_search_options',
  'audio',
  'functions',
  'function_call',
  'verbosity',
];

function unsupported(request: ChatCompletionRequest, drop: boolean): void {
  if (drop) return;
  for (const field of UNSUPPORTED) {
    const value = request[field];
    if (value === undefined || value === null || value === false) continue;
    refuse(field, `${field} is not supported by this upstream (Anthropic)`);
  }
  if ((request.n ?? 1) > 1) refuse('n', 'n above 1 is not supported by this upstream (Anthropic)');
  if (request.modalities?.some((modality) => modality !== 'text'))
    refuse('modalities', 'only text output is supported by this upstream (Anthropic)');
}

function thinking(request: ChatCompletionRequest, maxTokens: number): Block | undefined {
  if (request.thinking) {
    if (request.thinking.type === 'disabled') return { type: 'disabled' };
    const budget = request.thinking.budget_tokens ?? EFFORT_BUDGET.medium ?? 4_096;
    return { type: 'enabled', budget_tokens: Math.min(budget, maxTokens - 1) };
  }
  const effort = request.reasoning_effort;
  const budget = effort ? EFFORT_BUDGET[effort] : undefined;
  if (budget === undefined) return undefined;
  // The budget must stay below max_tokens and at least 1,024.
  if (maxTokens <= 1_024)
    refuse('reasoning_effort', 'reasoning needs max_tokens above 1024 on this upstream');
  return { type: 'enabled', budget_tokens: Math.min(budget, maxTokens - 1) };
}

export function convertRequest(input: ProviderRequest, stream: boolean): Record<string, unknown> {
  const request = input.request;
  const drop = input.traits.dropUnsupportedParams === true;
  unsupported(request, drop);
  const { system, messages } = convertMessages(request);
  if (messages.length === 0) refuse('messages', 'at least one user or assistant message is required');
  const maxTokens = input.maxOutputTokens ?? DEFAULT_MAX_TOKENS;
  const body: Record<string, unknown> = { model: input.upstreamModel, max_tokens: maxTokens, messages };
  if (system !== undefined) body.system = system;
  const tools = convertTools(request, drop);
  if (tools) body.tools = tools;
  const toolChoice = tools ? convertToolChoice(request) : undefined;
  if (toolChoice) body.tool_choice = toolChoice;
  if (request.temperature != null) {
    if (request.temperature > 1)
      refuse('temperature', 'temperature above 1 is not supported by this upstream (Anthropic: 0 to 1)');
    body.temperature = request.temperature;
  }
  if (request.top_p != null) body.top_p = request.top_p;
  if (request.top_k != null) body.top_k = request.top_k;
  if (request.stop != null) body.stop_sequences = Array.isArray(request.stop) ? request.stop : [request.stop];
  const user = request.safety_identifier ?? request.user;
  if (user) body.metadata = { user_id: user };
  const thinkingBlock = thinking(request, maxTokens);
  if (thinkingBlock) body.thinking = thinkingBlock;
  if (stream) body.stream = true;
  return body;
}
