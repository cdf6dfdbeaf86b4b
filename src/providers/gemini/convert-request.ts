/**
 * `ProviderRequest` (the validated OpenAI request) -> Gemini `GenerateContentRequest`
 * (gemini-mapping.md §5). The request is first checked field by field against the model
 * (field-support.ts: translated, or refused with a 400 naming the field, or dropped by the operator's
 * switch); then only fields Gemini knows are built, so nothing unknown reaches the upstream, which would
 * answer it with 400 "Unknown name".
 */
import type { ChatCompletionRequest, FunctionTool, ToolChoice } from '../../openai/request.ts';
import { builtinTools, checkToolMix } from './builtin-tools.ts';
import { checkFields } from './field-support.ts';
import { capabilitiesOf, type Capabilities } from './model-capabilities.ts';
import type { ProviderRequest } from '../provider.ts';
import { convertMessages } from './convert-messages.ts';
import { invalidRequestError } from './errors.ts';
import type {
  GeminiFunctionDeclaration,
  GeminiGenerationConfig,
  GeminiRequest,
  GeminiSafetySetting,
  GeminiToolConfig,
} from './gemini-types.ts';
import type { MediaFetcher } from './guarded-fetch.ts';
import {
  effectiveTraits,
  thinkingConfigForAnthropic,
  thinkingConfigForEffort,
  thinkingConfigFromExtras,
} from './thinking-config.ts';

export interface ConvertRequestOptions {
  readonly fetchMedia: MediaFetcher;
}

function isEmptySchema(schema: Record<string, unknown> | undefined): boolean {
  if (schema === undefined || Object.keys(schema).length === 0) return true;
  // `{type:"object", properties:{}}` with nothing else: Gemini rejected empty OBJECT properties.
  const { type, properties, additionalProperties, ...rest } = schema;
  const noProperties =
    properties === undefined ||
    (typeof properties === 'object' && properties !== null && Object.keys(properties).length === 0);
  return type === 'object' && noProperties && Object.keys(rest).length === 0 && additionalProperties !== true;
}

export function convertTools(tools: ChatCompletionRequest['tools'] & object): GeminiFunctionDeclaration[] {
  return convertFunctionTools(tools.filter((tool): tool is FunctionTool => tool.type === 'function'));
}

function convertFunctionTools(tools: FunctionTool[]): GeminiFunctionDeclaration[] {
  return tools.map(({ function: fn }) => {
    const declaration: GeminiFunctionDeclaration = { name: fn.name };
    if (fn.description !== undefined) declaration.description = fn.description;
    if (!isEmptySchema(fn.parameters)) declaration.parametersJsonSchema = fn.parameters;
    return declaration;
  });
}

export function convertToolChoice(choice: ToolChoice): GeminiToolConfig {
  if (typeof choice === 'object') {
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  }
  switch (choice) {
    case 'auto':
      return { functionCallingConfig: { mode: 'AUTO' } };
    case 'none':
      return { functionCallingConfig: { mode: 'NONE' } };
    case 'required':
      return { functionCallingConfig: { mode: 'ANY' } };
    default: {
      const unhandled: never = choice;
      return unhandled;
    }
  }
}

const SPEECH_FORMATS = new Set(['pcm16', 'wav']);

/** `modalities` -> `responseModalities`, `audio.voice` -> a prebuilt voice (speech models). */
function outputConfig(
  request: ChatCompletionRequest,
  config: GeminiGenerationConfig,
  capabilities: Capabilities,
) {
  if (request.modalities != null)
    config.responseModalities = request.modalities.map((modality) => modality.toUpperCase());
  else if (!capabilities.output.includes('text')) {
    config.responseModalities = capabilities.output.map((modality) => modality.toUpperCase());
  }
  if (request.audio != null && SPEECH_FORMATS.has(request.audio.format)) {
    const voice = typeof request.audio.voice === 'string' ? request.audio.voice : request.audio.voice.id;
    // Gemini voice names are capitalised (Kore, Puck); OpenAI clients send lowercase.
    const voiceName = voice.charAt(0).toUpperCase() + voice.slice(1);
    config.speechConfig = { voiceConfig: { prebuiltVoiceConfig: { voiceName } } };
  }
}

function thinkingConfig(input: ProviderRequest, request: ChatCompletionRequest, thinkingFromExtras: unknown) {
  const traits = effectiveTraits(input.traits, input.upstreamModel);
  const fromExtras = thinkingConfigFromExtras(thinkingFromExtras);
  if (fromExtras !== undefined) return fromExtras;
  if (request.thinking != null && request.reasoning_effort != null) {
    throw invalidRequestError('send reasoning_effort or thinking, not both', 'thinking');
  }
  if (request.thinking != null)
    return thinkingConfigForAnthropic(request.thinking, traits, input.maxOutputTokens);
  return thinkingConfigForEffort(request.reasoning_effort, traits, input.maxOutputTokens);
}

function generationConfig(
  input: ProviderRequest,
  request: ChatCompletionRequest,
  thinkingFromExtras: unknown,
  capabilities: Capabilities,
): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  if (input.maxOutputTokens !== undefined) config.maxOutputTokens = input.maxOutputTokens;
  if (request.temperature != null) config.temperature = request.temperature;
  if (request.top_p != null) config.topP = request.top_p;
  if (request.top_k != null) config.topK = request.top_k;
  if (request.stop != null) {
    const stops = typeof request.stop === 'string' ? [request.stop] : request.stop;
    if (stops.length > 0) config.stopSequences = stops;
  }
  if (request.n != null) config.candidateCount = request.n;
  if (request.seed != null) config.seed = request.seed;
  // 0 is Gemini's default too; models without penalties refuse even a 0.
  if (request.presence_penalty) config.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty) config.frequencyPenalty = request.frequency_penalty;
  if (request.logprobs === true) {
    config.responseLogprobs = true;
    if (request.top_logprobs != null) config.logprobs = request.top_logprobs;
  }
  const format = request.response_format;
  if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    if (format.json_schema.schema !== undefined) config.responseJsonSchema = format.json_schema.schema;
  }
  outputConfig(request, config, capabilities);
  const thinking = thinkingConfig(input, request, thinkingFromExtras);
  if (thinking !== undefined) config.thinkingConfig = thinking;
  return config;
}

const SERVICE_TIERS: Readonly<Record<string, string>> = {
  default: 'standard',
  flex: 'flex',
  priority: 'priority',
};

/** `[{category, threshold}]`, rebuilt so nothing else rides along; Gemini validates the values. */
function safetySettings(value: unknown): GeminiSafetySetting[] {
  const param = 'google.safety_settings';
  if (!Array.isArray(value)) throw invalidRequestError('safety_settings must be an array', param);
  return value.map((entry: unknown) => {
    const { category, threshold } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<
      string,
      unknown
    >;
    if (typeof category !== 'string' || typeof threshold !== 'string') {
      throw invalidRequestError('each safety setting needs a string category and threshold', param);
    }
    return { category, threshold };
  });
}

/** `extra_body.google` (or top-level `google`, where the SDK merges `extra_body`). */
function googleExtras(request: ChatCompletionRequest): Record<string, unknown> {
  return request.extra_body?.google ?? request.google ?? {};
}

/** The request as checked against the model: refused fields throw, dropped ones are gone. */
export function checkedRequest(input: ProviderRequest): ChatCompletionRequest {
  const traits = effectiveTraits(input.traits, input.upstreamModel);
  return checkFields(input.request, capabilitiesOf(traits, input.upstreamModel), traits, input.upstreamModel)
    .request;
}

export async function convertRequest(
  input: ProviderRequest,
  options: ConvertRequestOptions,
): Promise<GeminiRequest> {
  const traits = effectiveTraits(input.traits, input.upstreamModel);
  const capabilities = capabilitiesOf(traits, input.upstreamModel);
  const request = checkFields(input.request, capabilities, traits, input.upstreamModel).request;
  const extras = googleExtras(request);
  const gemini3 = traits.thinking === 'level';
  const { systemInstruction, contents } = await convertMessages(request.messages, {
    fetchMedia: options.fetchMedia,
    signal: input.signal,
    mediaResolution: gemini3,
    requiresThoughtSignatures: gemini3,
    functionResponseParts: gemini3,
  });

  const body: GeminiRequest = { contents };
  const cachedContent = extras.cached_content;
  if (cachedContent !== undefined && (typeof cachedContent !== 'string' || cachedContent === '')) {
    throw invalidRequestError('cached_content must be a cachedContents/... name', 'google.cached_content');
  }
  const functions = convertTools(request.tools ?? []);
  const builtins = builtinTools(request, extras.tools, capabilities);
  if (cachedContent !== undefined) {
    // The cache holds the system instruction and tools, and Gemini rejects them when resent; dropping
    // the request's own would silently change what the model is told, so the conflict is refused.
    if (systemInstruction !== undefined || functions.length > 0 || builtins.length > 0) {
      throw invalidRequestError(
        'cached_content cannot be combined with system messages or tools: Gemini takes them only from ' +
          'the cache (create the cache with them and send only the conversation)',
        'google.cached_content',
      );
    }
    body.cachedContent = cachedContent;
  } else {
    if (systemInstruction !== undefined) body.systemInstruction = systemInstruction;
    const circulate = checkToolMix(functions.length, builtins.length, gemini3);
    const tools = [...(functions.length > 0 ? [{ functionDeclarations: functions }] : []), ...builtins];
    if (tools.length > 0) body.tools = tools;
    // A function-calling config with no function declarations is a 400 upstream.
    const toolConfig =
      request.tool_choice !== undefined && functions.length > 0 ? convertToolChoice(request.tool_choice) : {};
    if (circulate) toolConfig.includeServerSideToolInvocations = true;
    if (Object.keys(toolConfig).length > 0) body.toolConfig = toolConfig;
  }
  if (extras.safety_settings !== undefined) body.safetySettings = safetySettings(extras.safety_settings);
  const config = generationConfig(input, request, extras.thinking_config, capabilities);
  if (Object.keys(config).length > 0) body.generationConfig = config;
  const tier = request.service_tier == null ? undefined : SERVICE_TIERS[request.service_tier];
  if (tier !== undefined) body.serviceTier = tier;
  // Keep the documented field order stable: cachedContent last, as before.
  if (body.cachedContent !== undefined) {
    const name = body.cachedContent;
    delete body.cachedContent;
    body.cachedContent = name;
  }
  return body;
}
