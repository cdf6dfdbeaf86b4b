/**
 * An Anthropic Messages request -> the canonical request (the validated Chat Completions request).
 * Field by field (docs/decisions/082-door-anthropic-messages.md):
 *
 *   max_tokens -> max_tokens (required, as Anthropic requires it; it is the billed output cap)
 *   system, messages -> system / user / assistant / tool messages (content.ts)
 *   tools, tool_choice -> function tools, auto / required / a named function / none;
 *     disable_parallel_tool_use -> parallel_tool_calls: false
 *   thinking -> the canonical `thinking` (Anthropic's own shape; Gemini maps it to a budget or level)
 *   output_config.effort -> reasoning_effort; output_config.format -> response_format json_schema
 *   stop_sequences, temperature, top_p, top_k, stream -> the same; metadata.user_id -> user
 *
 * Fields Portico cannot honour (server tools, MCP servers, containers, context edits, ...) are a 400
 * naming the field, and so is any field Anthropic does not define.
 */
import type {
  ChatCompletionRequest,
  ChatMessage,
  FunctionTool,
  ReasoningEffort,
} from '../../openai/request.ts';
import { validateChatRequestYielding } from '../../pipeline/validate-request.ts';
import { assistantMessage, systemContent, userMessages } from './content.ts';
import {
  array,
  boolean,
  checkCacheControl,
  given,
  integer,
  invalid,
  number,
  object,
  oneOf,
  onlyKeys,
  string,
  type JsonObject,
} from './fields.ts';

/** Fields of Anthropic's API that this door refuses when set: no upstream of Portico can honour them. */
const UNSUPPORTED = [
  'container',
  'mcp_servers',
  'inference_geo',
  'diagnostics',
  'user_profile_id',
  'workspace_id',
  'fallbacks',
  'thread',
] as const;

const MESSAGE_FIELDS = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
  'service_tier',
  'speed',
  'cache_control',
  'context_management',
  ...UNSUPPORTED,
]);

/** `count_tokens` takes the prompt side only. */
const COUNT_FIELDS = new Set([
  'model',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
  'speed',
  'cache_control',
  'context_management',
  ...UNSUPPORTED,
]);

const TOOL_FIELDS = new Set([
  'type',
  'name',
  'description',
  'input_schema',
  'cache_control',
  'strict',
  'eager_input_streaming',
  'defer_loading',
  'input_examples',
  'allowed_callers',
]);

function messages(value: unknown): ChatMessage[] {
  const result: ChatMessage[] = [];
  array(value, 'messages', 1).forEach((item, index) => {
    const param = `messages[${index}]`;
    const message = object(item, param);
    onlyKeys(message, new Set(['role', 'content']), param);
    const role = oneOf(message.role, `${param}.role`, ['user', 'assistant', 'system']);
    if (role === 'user') result.push(...userMessages(message.content, `${param}.content`));
    else if (role === 'assistant') result.push(assistantMessage(message.content, `${param}.content`));
    else result.push({ role: 'system', content: systemContent(message.content, `${param}.content`) });
  });
  return result;
}

function tool(value: unknown, index: number): FunctionTool {
  const param = `tools[${index}]`;
  const entry = object(value, param);
  if (given(entry.type) && entry.type !== 'custom') {
    throw invalid(
      `${param}.type`,
      `server tool "${String(entry.type).slice(0, 64)}" is not supported by Portico`,
    );
  }
  onlyKeys(entry, TOOL_FIELDS, param);
  checkCacheControl(entry.cache_control, `${param}.cache_control`);
  // A deferred tool (loaded later by tool search) is declared up front: the model can call it at once,
  // which is what loading it would allow; `tool_reference` blocks then name a tool it already has.
  if (given(entry.defer_loading)) boolean(entry.defer_loading, `${param}.defer_loading`);
  if (given(entry.input_examples)) throw invalid(`${param}.input_examples`, 'not supported by Portico');
  if (given(entry.allowed_callers)) {
    const callers = array(entry.allowed_callers, `${param}.allowed_callers`);
    if (callers.some((caller) => caller !== 'direct')) {
      throw invalid(`${param}.allowed_callers`, 'only "direct" is supported by Portico');
    }
  }
  // Portico streams each call's input whole, so the finer streaming it asks for changes nothing.
  if (given(entry.eager_input_streaming))
    boolean(entry.eager_input_streaming, `${param}.eager_input_streaming`);
  const schema = object(entry.input_schema, `${param}.input_schema`);
  const fn: FunctionTool['function'] = { name: string(entry.name, `${param}.name`, 1), parameters: schema };
  if (given(entry.description)) fn.description = string(entry.description, `${param}.description`);
  if (given(entry.strict)) fn.strict = boolean(entry.strict, `${param}.strict`);
  return { type: 'function', function: fn };
}

function toolChoice(value: unknown, request: ChatCompletionRequest): void {
  const choice = object(value, 'tool_choice');
  const type = oneOf(choice.type, 'tool_choice.type', ['auto', 'any', 'tool', 'none']);
  onlyKeys(
    choice,
    new Set(
      type === 'tool' ? ['type', 'name', 'disable_parallel_tool_use'] : ['type', 'disable_parallel_tool_use'],
    ),
    'tool_choice',
  );
  if (type === 'none') {
    if (given(choice.disable_parallel_tool_use))
      throw invalid('tool_choice.disable_parallel_tool_use', 'unknown field');
    request.tool_choice = 'none';
    return;
  }
  request.tool_choice =
    type === 'auto'
      ? 'auto'
      : type === 'any'
        ? 'required'
        : { type: 'function', function: { name: string(choice.name, 'tool_choice.name', 1) } };
  if (given(choice.disable_parallel_tool_use)) {
    const single = boolean(choice.disable_parallel_tool_use, 'tool_choice.disable_parallel_tool_use');
    if (single) request.parallel_tool_calls = false;
  }
}

/** `thinking`: enabled (a budget), adaptive, or disabled. `display: "omitted"` is honoured by the encoders. */
function thinking(
  value: unknown,
  maxTokens: number | undefined,
): NonNullable<ChatCompletionRequest['thinking']> {
  const config = object(value, 'thinking');
  const type = oneOf(config.type, 'thinking.type', ['enabled', 'adaptive', 'disabled']);
  onlyKeys(
    config,
    new Set(
      type === 'enabled'
        ? ['type', 'budget_tokens', 'display']
        : type === 'adaptive'
          ? ['type', 'display']
          : ['type'],
    ),
    'thinking',
  );
  if (given(config.display)) oneOf(config.display, 'thinking.display', ['summarized', 'omitted']);
  if (type !== 'enabled') return { type };
  const budget = integer(config.budget_tokens, 'thinking.budget_tokens', 1024);
  if (maxTokens !== undefined && budget >= maxTokens) {
    throw invalid('thinking.budget_tokens', 'must be less than max_tokens');
  }
  return { type, budget_tokens: budget };
}

/** Gemini's highest thinking level is its answer to Anthropic's `xhigh` and `max`. */
const EFFORTS: Record<string, ReasoningEffort> = {
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'high',
  max: 'high',
};

function outputConfig(value: unknown, request: ChatCompletionRequest): void {
  const config = object(value, 'output_config');
  onlyKeys(config, new Set(['effort', 'format', 'task_budget']), 'output_config');
  if (given(config.task_budget)) throw invalid('output_config.task_budget', 'not supported by Portico');
  if (given(config.effort)) {
    const effort =
      EFFORTS[oneOf(config.effort, 'output_config.effort', ['low', 'medium', 'high', 'xhigh', 'max'])];
    const mode = request.thinking?.type;
    if (mode === 'enabled' || mode === 'disabled') {
      throw invalid(
        'output_config.effort',
        `the upstream's thinking is set by effort or by thinking.type "${mode}", not both`,
      );
    }
    // Adaptive thinking guided by an effort is the effort's thinking level, with thoughts shown.
    delete request.thinking;
    request.reasoning_effort = effort;
  }
  if (given(config.format)) {
    const format = object(config.format, 'output_config.format');
    onlyKeys(format, new Set(['type', 'schema']), 'output_config.format');
    oneOf(format.type, 'output_config.format.type', ['json_schema']);
    const schema = object(format.schema, 'output_config.format.schema');
    request.response_format = { type: 'json_schema', json_schema: { name: 'output', schema, strict: true } };
  }
}

/**
 * `context_management` edits. Clearing earlier thinking (`clear_thinking_*`, which Claude Code sends on
 * every request) is accepted whatever it keeps: Portico never sends earlier thinking text upstream (Gemini
 * takes none back; its reasoning carries over through thought signatures), so there is nothing to clear
 * or keep. Other edits rewrite the prompt in ways Portico does not do, and are refused.
 */
function contextManagement(value: unknown): void {
  const config = object(value, 'context_management');
  onlyKeys(config, new Set(['edits']), 'context_management');
  if (!given(config.edits)) return;
  array(config.edits, 'context_management.edits').forEach((item, index) => {
    const param = `context_management.edits[${index}]`;
    const edit = object(item, param);
    const type = string(edit.type, `${param}.type`);
    if (!/^clear_thinking_\d+$/.test(type)) {
      throw invalid(`${param}.type`, `context edit "${type.slice(0, 64)}" is not supported by Portico`);
    }
  });
}

function samplingAndMetadata(body: JsonObject, request: ChatCompletionRequest): void {
  if (given(body.temperature)) request.temperature = number(body.temperature, 'temperature', 0, 1);
  if (given(body.top_p)) request.top_p = number(body.top_p, 'top_p', 0, 1);
  if (given(body.top_k)) request.top_k = integer(body.top_k, 'top_k', 1);
  if (given(body.stop_sequences)) {
    request.stop = array(body.stop_sequences, 'stop_sequences').map((item, index) =>
      string(item, `stop_sequences[${index}]`, 1),
    );
  }
  if (given(body.metadata)) {
    const metadata = object(body.metadata, 'metadata');
    onlyKeys(metadata, new Set(['user_id']), 'metadata');
    if (given(metadata.user_id)) request.user = string(metadata.user_id, 'metadata.user_id');
  }
  if (given(body.service_tier)) {
    // `standard_only` asks for the standard tier: Gemini's default one.
    if (oneOf(body.service_tier, 'service_tier', ['auto', 'standard_only']) === 'standard_only') {
      request.service_tier = 'default';
    }
  }
}

/** Decodes and validates; `forCount` reads a `count_tokens` body (no `max_tokens`, no sampling). */
export async function decodeMessagesRequest(raw: unknown, forCount: boolean): Promise<ChatCompletionRequest> {
  const body = object(raw, 'body');
  onlyKeys(body, forCount ? COUNT_FIELDS : MESSAGE_FIELDS, '');
  for (const field of UNSUPPORTED) {
    if (given(body[field])) throw invalid(field, 'not supported by Portico');
  }
  checkCacheControl(body.cache_control, 'cache_control');
  if (given(body.context_management)) contextManagement(body.context_management);
  if (given(body.speed)) oneOf(body.speed, 'speed', ['standard']);
  const maxTokens = forCount ? undefined : integer(body.max_tokens, 'max_tokens', 1);
  const conversation = messages(body.messages);
  if (given(body.system))
    conversation.unshift({ role: 'system', content: systemContent(body.system, 'system') });
  const request: ChatCompletionRequest = { model: string(body.model, 'model', 1), messages: conversation };
  if (maxTokens !== undefined) request.max_tokens = maxTokens;
  if (given(body.tools)) {
    const tools = array(body.tools, 'tools');
    if (tools.length > 0) request.tools = tools.map(tool);
  }
  if (given(body.tool_choice)) toolChoice(body.tool_choice, request);
  if (given(body.thinking)) request.thinking = thinking(body.thinking, maxTokens);
  if (given(body.output_config)) outputConfig(body.output_config, request);
  if (!forCount) {
    samplingAndMetadata(body, request);
    if (given(body.stream)) request.stream = boolean(body.stream, 'stream');
  }
  // The canonical schema is the last word (tool-name alphabet, list sizes): its 400 names the field.
  return validateChatRequestYielding(request);
}

/** `thinking.display: "omitted"`: thinking blocks carry their signature but no text. */
export function thinkingOmitted(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return false;
  const config = (raw as JsonObject).thinking;
  return typeof config === 'object' && config !== null && (config as JsonObject).display === 'omitted';
}
