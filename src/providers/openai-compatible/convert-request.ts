/**
 * The validated request -> the one upstream body, serialized once.
 *
 * Only fields every OpenAI-compatible server understands are copied: Gemini's compatible endpoint
 * answers 400 to fields it does not know (`user`, `metadata`, `web_search_options`, gemini-mapping.md
 * §9), so `user`, `metadata`, `extra_body` and `google` never travel. Nulls are dropped for the same
 * reason: a null means "the default", which is what omitting the field gives on every server.
 */
import type { ChatCompletionRequest, ChatMessage, ToolCall } from '../../openai/request.ts';
import { PorticoError } from '../../errors.ts';
import type { ProviderRequest } from '../provider.ts';
import { decodeToolCallId, extraContentFor } from './tool-call-id.ts';

const FORWARDED_FIELDS = [
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'temperature',
  'top_p',
  'n',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'logprobs',
  'top_logprobs',
  'reasoning_effort',
  // OpenAI's own fields, forwarded as sent: the upstream speaks this dialect and decides. (`user` and
  // `metadata` stay with Portico: an end user's identity is not passed to the operator's upstream.)
  'top_k',
  'service_tier',
  'prediction',
  'verbosity',
  'web_search_options',
  'modalities',
  'audio',
  'logit_bias',
  'prompt_cache_key',
  'prompt_cache_retention',
  'safety_identifier',
  'functions',
  'function_call',
] as const satisfies ReadonlyArray<keyof ChatCompletionRequest>;

/**
 * Fields only Gemini (or Anthropic) understands: an OpenAI-compatible upstream cannot honour them, so
 * the request is refused naming the field rather than sent without it (nothing is silently dropped).
 */
function refuseForeignFields(request: ChatCompletionRequest): void {
  const refuse = (param: string, what: string) => {
    throw new PorticoError('invalid_request', {
      message: `'${param}' is ${what} and cannot be sent to an OpenAI-compatible upstream`,
      param,
    });
  };
  if (request.extra_body?.google !== undefined) refuse('extra_body.google', 'a Gemini option');
  if (request.google !== undefined) refuse('google', 'a Gemini option');
  if (request.store === true)
    refuse('store', 'not offered: Portico keeps no completions upstream (store: false)');
  (request.tools ?? []).forEach((tool, index) => {
    if (tool.type !== 'function') refuse(`tools[${index}].type`, `a Gemini built-in tool ('${tool.type}')`);
  });
}

/**
 * Anthropic-style `thinking` (the Anthropic door, or a client that sends it) as OpenAI's effort: a
 * budget up to 2,048 tokens is `low`, up to 8,192 `medium`, more `high`; disabled is `none`.
 */
function effortFromThinking(thinking: ChatCompletionRequest['thinking']): string | undefined {
  if (!thinking) return undefined;
  if (thinking.type === 'disabled') return 'none';
  const budget = thinking.budget_tokens;
  if (budget === undefined) return 'medium';
  return budget <= 2_048 ? 'low' : budget <= 8_192 ? 'medium' : 'high';
}

export interface UpstreamBodyOptions {
  /**
   * Also send the cap as `max_tokens`. `max_completion_tokens` is the current OpenAI name and the
   * default; older vLLM / llama.cpp builds only know `max_tokens`. Off by default because OpenAI's
   * reasoning models reject `max_tokens`.
   */
  legacyMaxTokens?: boolean;
}

export function buildUpstreamBody(
  input: ProviderRequest,
  stream: boolean,
  options: UpstreamBodyOptions = {},
): string {
  const request = input.request;
  refuseForeignFields(request);
  const body: Record<string, unknown> = {
    model: input.upstreamModel,
    messages: request.messages.map(convertMessage),
  };
  for (const field of FORWARDED_FIELDS) {
    const value = request[field];
    if (value !== undefined && value !== null) body[field] = value;
  }
  const effort = request.reasoning_effort ?? effortFromThinking(request.thinking);
  if (effort) body.reasoning_effort = effort;
  // The client's own max_tokens / max_completion_tokens are replaced by the cap billing holds for.
  if (input.maxOutputTokens !== undefined) {
    body.max_completion_tokens = input.maxOutputTokens;
    if (options.legacyMaxTokens) body.max_tokens = input.maxOutputTokens;
  }
  if (stream) {
    body.stream = true;
    // Usage is needed for billing whatever the client asked for; the HTTP layer decides what it shows.
    body.stream_options = { include_usage: true };
  }
  return JSON.stringify(body);
}

/** Rebuild each message from the fields the servers know, undoing our tool-call id encoding. */
export function convertMessage(message: ChatMessage): Record<string, unknown> {
  switch (message.role) {
    case 'system':
    case 'developer':
    case 'user':
      return withDefined({ role: message.role, content: message.content, name: message.name });
    case 'tool':
      return {
        role: 'tool',
        content: message.content,
        tool_call_id: decodeToolCallId(message.tool_call_id).id,
      };
    case 'assistant':
      // reasoning_content is not sent back: DeepSeek rejects it in input and others ignore it.
      return withDefined({
        role: 'assistant',
        content: message.content,
        name: message.name,
        refusal: message.refusal ?? undefined,
        tool_calls: message.tool_calls?.map(convertToolCall),
      });
  }
}

function convertToolCall(call: ToolCall): Record<string, unknown> {
  const decoded = decodeToolCallId(call.id);
  const extraContent =
    call.extra_content ?? (decoded.signature !== undefined ? extraContentFor(decoded.signature) : undefined);
  return withDefined({
    id: decoded.id,
    type: 'function',
    function: { name: call.function.name, arguments: call.function.arguments },
    extra_content: extraContent,
  });
}

function withDefined(fields: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) result[key] = value;
  return result;
}
