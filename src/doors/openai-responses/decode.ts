/**
 * A Responses API request (`POST /v1/responses`) -> the canonical request (ADR 084). Every field is read
 * and either translated, accepted because it asks nothing of the model, or refused with a 400 naming it.
 * Unknown top-level fields are refused too: a new OpenAI feature never travels in silence.
 * The result goes through the canonical validation as a last check.
 */
import type { ChatCompletionRequest, ResponseFormat, ToolChoice } from '../../openai/request.ts';
import { validateChatRequestYielding } from '../../pipeline/validate-request.ts';
import { decodeInput } from './decode-input.ts';
import {
  array,
  invalid,
  isObject,
  nonEmptyString,
  object,
  oneOf,
  onlyKnown,
  optionalBoolean,
  optionalInteger,
  optionalNumber,
  optionalString,
  string,
  unsupported,
  type JsonObject,
} from './fields.ts';
import { decodeTools } from './decode-tools.ts';

/** Fields Portico reads; each is handled below. */
const TOP_LEVEL = new Set([
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'text',
  'reasoning',
  'max_output_tokens',
  'temperature',
  'top_p',
  'top_logprobs',
  'include',
  'metadata',
  'stream',
  'stream_options',
  'store',
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'service_tier',
  'truncation',
  'previous_response_id',
  'conversation',
  'background',
  'prompt',
  'max_tool_calls',
  'context_management',
  'moderation',
  'prompt_cache_options',
  'client_metadata',
]);

/** Null, false, or an empty list: the field asks for nothing. */
function absent(value: unknown): boolean {
  return (
    value === undefined || value === null || value === false || (Array.isArray(value) && value.length === 0)
  );
}

const STATELESS = 'Portico stores no responses; send the whole conversation in input (store: false)';

function refuseUnsupported(body: JsonObject): void {
  if (!absent(body.previous_response_id)) throw unsupported('previous_response_id', STATELESS);
  if (!absent(body.conversation)) throw unsupported('conversation', STATELESS);
  if (body.store === true) {
    throw unsupported(
      'store',
      'Portico stores no responses (there is no GET /v1/responses/{id}); send store: false or leave it out',
    );
  }
  if (!absent(body.store)) optionalBoolean(body.store, 'store');
  if (!absent(body.background)) throw unsupported('background', 'responses are answered in the request');
  if (!absent(body.prompt)) throw unsupported('prompt', 'stored prompt templates live only on OpenAI');
  if (!absent(body.max_tool_calls)) throw unsupported('max_tool_calls', 'Portico runs no built-in tools');
  if (!absent(body.context_management)) throw unsupported('context_management', 'no server-side compaction');
  if (!absent(body.moderation)) throw unsupported('moderation', 'no moderation pass in Portico');
  if (!absent(body.prompt_cache_options))
    throw unsupported('prompt_cache_options', 'no explicit cache breakpoints');
  if (body.truncation !== undefined && body.truncation !== null) {
    const truncation = oneOf(body.truncation, 'truncation', ['auto', 'disabled']);
    if (truncation === 'auto') throw unsupported('truncation', "only 'disabled' (the input is never cut)");
  }
}

/** What the client asked to get back beside the answer. */
export interface Includes {
  readonly encryptedReasoning: boolean;
  readonly logprobs: boolean;
}

export function readIncludes(value: unknown): Includes {
  let encryptedReasoning = false;
  let logprobs = false;
  if (value !== undefined && value !== null) {
    for (const [index, entry] of array(value, 'include').entries()) {
      const name = string(entry, `include[${index}]`);
      if (name === 'reasoning.encrypted_content') encryptedReasoning = true;
      else if (name === 'message.output_text.logprobs') logprobs = true;
      else {
        throw unsupported(
          `include[${index}]`,
          `'${name}'; Portico can include 'reasoning.encrypted_content' and 'message.output_text.logprobs'`,
        );
      }
    }
  }
  return { encryptedReasoning, logprobs };
}

function decodeFormat(value: unknown): ResponseFormat | undefined {
  if (value === undefined || value === null) return undefined;
  const format = object(value, 'text.format');
  switch (format.type) {
    case 'text':
      onlyKnown(format, 'text.format', new Set(['type']));
      return undefined;
    case 'json_object':
      onlyKnown(format, 'text.format', new Set(['type']));
      return { type: 'json_object' };
    case 'json_schema': {
      onlyKnown(format, 'text.format', new Set(['type', 'name', 'schema', 'description', 'strict']));
      const description = optionalString(format.description, 'text.format.description');
      const strict = optionalBoolean(format.strict, 'text.format.strict');
      return {
        type: 'json_schema',
        json_schema: {
          name: nonEmptyString(format.name, 'text.format.name'),
          schema: object(format.schema, 'text.format.schema'),
          ...(description !== undefined ? { description } : {}),
          ...(strict !== undefined ? { strict } : {}),
        },
      };
    }
    default:
      throw invalid('text.format.type', "expected one of 'text', 'json_object', 'json_schema'");
  }
}

function decodeText(value: unknown, request: Partial<ChatCompletionRequest>): void {
  if (value === undefined || value === null) return;
  const text = object(value, 'text');
  onlyKnown(text, 'text', new Set(['format', 'verbosity']));
  const format = decodeFormat(text.format);
  if (format) request.response_format = format;
  if (text.verbosity !== undefined && text.verbosity !== null) {
    request.verbosity = oneOf(text.verbosity, 'text.verbosity', ['low', 'medium', 'high']);
  }
}

function decodeReasoning(value: unknown, request: Partial<ChatCompletionRequest>): void {
  if (value === undefined || value === null) return;
  const reasoning = object(value, 'reasoning');
  onlyKnown(reasoning, 'reasoning', new Set(['effort', 'summary', 'generate_summary']));
  for (const name of ['summary', 'generate_summary']) {
    const summary = reasoning[name];
    if (summary !== undefined && summary !== null) {
      oneOf(summary, `reasoning.${name}`, ['auto', 'concise', 'detailed']);
    }
  }
  if (reasoning.effort === undefined || reasoning.effort === null) return;
  const effort = oneOf(reasoning.effort, 'reasoning.effort', [
    'none',
    'minimal',
    'low',
    'medium',
    'high',
    'xhigh',
  ]);
  // `xhigh` asks for more than any Gemini level: the highest there is.
  request.reasoning_effort = effort === 'xhigh' ? 'high' : effort;
}

function decodeToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return oneOf(value, 'tool_choice', ['none', 'auto', 'required']);
  const choice = object(value, 'tool_choice');
  if (choice.type !== 'function') {
    throw unsupported(
      'tool_choice',
      `a tool choice of type '${String(choice.type)}'; use none, auto, required or a function`,
    );
  }
  onlyKnown(choice, 'tool_choice', new Set(['type', 'name']));
  return { type: 'function', function: { name: nonEmptyString(choice.name, 'tool_choice.name') } };
}

function decodeStreamOptions(value: unknown): void {
  if (value === undefined || value === null) return;
  const options = object(value, 'stream_options');
  onlyKnown(options, 'stream_options', new Set(['include_obfuscation']));
  // Obfuscation pads deltas against length side channels; Portico sends none, which the option allows.
  optionalBoolean(options.include_obfuscation, 'stream_options.include_obfuscation');
}

/** The Responses body -> the canonical Chat Completions request, validated. */
export async function decodeResponsesRequest(raw: unknown): Promise<ChatCompletionRequest> {
  if (!isObject(raw)) throw invalid('body', 'the request body must be a JSON object');
  onlyKnown(raw, '', TOP_LEVEL);
  refuseUnsupported(raw);
  const request: Partial<ChatCompletionRequest> & JsonObject = {
    model: nonEmptyString(raw.model, 'model'),
    messages: decodeInput(raw.input, optionalString(raw.instructions, 'instructions')),
  };
  const tools = decodeTools(raw.tools);
  if (tools) request.tools = tools;
  const toolChoice = decodeToolChoice(raw.tool_choice);
  if (toolChoice) request.tool_choice = toolChoice;
  const parallel = optionalBoolean(raw.parallel_tool_calls, 'parallel_tool_calls');
  if (parallel !== undefined) request.parallel_tool_calls = parallel;
  decodeText(raw.text, request);
  decodeReasoning(raw.reasoning, request);
  const maxOutput = optionalInteger(raw.max_output_tokens, 'max_output_tokens', 1);
  if (maxOutput !== undefined) request.max_completion_tokens = maxOutput;
  const temperature = optionalNumber(raw.temperature, 'temperature', 0, 2);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(raw.top_p, 'top_p', 0, 1);
  if (topP !== undefined) request.top_p = topP;
  const includes = readIncludes(raw.include);
  const topLogprobs = optionalInteger(raw.top_logprobs, 'top_logprobs', 0);
  if (topLogprobs !== undefined && topLogprobs > 20) throw invalid('top_logprobs', 'must be at most 20');
  if (includes.logprobs || (topLogprobs ?? 0) > 0) {
    request.logprobs = true;
    if (topLogprobs !== undefined) request.top_logprobs = topLogprobs;
  }
  const stream = optionalBoolean(raw.stream, 'stream');
  if (stream !== undefined) request.stream = stream;
  decodeStreamOptions(raw.stream_options);
  // Codex's per-request ids (session, turn, installation): bookkeeping for the client's own logs, which
  // ask nothing of the model; checked for shape, never sent upstream.
  if (raw.client_metadata !== undefined && raw.client_metadata !== null) {
    const clientMetadata = object(raw.client_metadata, 'client_metadata');
    for (const [name, value] of Object.entries(clientMetadata)) string(value, `client_metadata.${name}`);
  }
  if (raw.metadata !== undefined && raw.metadata !== null)
    request.metadata = object(raw.metadata, 'metadata') as never;
  for (const name of ['user', 'safety_identifier', 'prompt_cache_key', 'prompt_cache_retention'] as const) {
    const value = optionalString(raw[name], name);
    if (value !== undefined) request[name] = value;
  }
  if (raw.service_tier !== undefined && raw.service_tier !== null) {
    request.service_tier = oneOf(raw.service_tier, 'service_tier', [
      'auto',
      'default',
      'flex',
      'scale',
      'priority',
    ]);
  }
  return validateChatRequestYielding(request);
}
