/**
 * `ProviderRequest` (the validated OpenAI request) -> Gemini `GenerateContentRequest`
 * (gemini-mapping.md §5). Only fields Gemini knows are built, so unknown OpenAI fields (`user`,
 * `metadata`, `stream_options`, `parallel_tool_calls`...) can never reach the upstream, which would
 * answer them with 400 "Unknown name".
 */
import type { ChatCompletionRequest, FunctionTool, ToolChoice } from '../../openai/request.ts';
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
import { effectiveTraits, thinkingConfigForEffort, thinkingConfigFromExtras } from './thinking-config.ts';

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

export function convertTools(tools: FunctionTool[]): GeminiFunctionDeclaration[] {
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

function generationConfig(input: ProviderRequest, thinkingFromExtras: unknown): GeminiGenerationConfig {
  const request = input.request;
  const config: GeminiGenerationConfig = {};
  if (input.maxOutputTokens !== undefined) config.maxOutputTokens = input.maxOutputTokens;
  if (request.temperature != null) config.temperature = request.temperature;
  if (request.top_p != null) config.topP = request.top_p;
  if (request.stop != null) {
    const stops = typeof request.stop === 'string' ? [request.stop] : request.stop;
    if (stops.length > 0) config.stopSequences = stops;
  }
  if (request.n != null) config.candidateCount = request.n;
  if (request.seed != null) config.seed = request.seed;
  if (request.presence_penalty != null) config.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty != null) config.frequencyPenalty = request.frequency_penalty;
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
  const traits = effectiveTraits(input.traits, input.upstreamModel);
  const thinking =
    thinkingConfigFromExtras(thinkingFromExtras) ??
    thinkingConfigForEffort(request.reasoning_effort, traits, input.maxOutputTokens);
  if (thinking !== undefined) config.thinkingConfig = thinking;
  return config;
}

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

export async function convertRequest(
  input: ProviderRequest,
  options: ConvertRequestOptions,
): Promise<GeminiRequest> {
  const request = input.request;
  const extras = googleExtras(request);
  const traits = effectiveTraits(input.traits, input.upstreamModel);
  const { systemInstruction, contents } = await convertMessages(request.messages, {
    fetchMedia: options.fetchMedia,
    signal: input.signal,
    mediaResolution: traits.thinking === 'level',
    requiresThoughtSignatures: traits.thinking === 'level',
  });

  const body: GeminiRequest = { contents };
  const cachedContent = extras.cached_content;
  if (cachedContent !== undefined && (typeof cachedContent !== 'string' || cachedContent === '')) {
    throw invalidRequestError('cached_content must be a cachedContents/... name', 'google.cached_content');
  }
  // The cache already holds the system instruction and tools; the API rejects them when resent.
  if (cachedContent === undefined) {
    if (systemInstruction !== undefined) body.systemInstruction = systemInstruction;
    if (request.tools !== undefined && request.tools.length > 0) {
      body.tools = [{ functionDeclarations: convertTools(request.tools) }];
    }
    if (request.tool_choice !== undefined && body.tools !== undefined) {
      body.toolConfig = convertToolChoice(request.tool_choice);
    }
  }
  if (extras.safety_settings !== undefined) body.safetySettings = safetySettings(extras.safety_settings);
  const config = generationConfig(input, extras.thinking_config);
  if (Object.keys(config).length > 0) body.generationConfig = config;
  if (cachedContent !== undefined) body.cachedContent = cachedContent;
  return body;
}
