/**
 * A Gemini `GenerateContentRequest` -> the canonical request (the inverse of
 * providers/gemini/convert-request.ts). What the door accepts is exactly what the canonical request can
 * express, so an admitted request can be served by every deployment of its model, a fallback or an
 * OpenAI-compatible one included; anything else is a 400 naming the field (docs/decisions/083).
 * The URL's model is the only model: a body naming another one is refused (RELIABILITY B5).
 */
import type { BuiltinToolType, ChatCompletionRequest, ChatMessage } from '../../openai/request.ts';
import { validateChatRequest } from '../../pipeline/validate-request.ts';
import { decodeContents, systemMessage } from './decode-contents.ts';
import {
  arrayField,
  booleanField,
  integerField,
  invalid,
  isObject,
  numberField,
  readFields,
  stringField,
  type JsonObject,
} from './fields.ts';
import { googleSchemaToJsonSchema } from './schema.ts';

type Canonical = ChatCompletionRequest;

const TOP_LEVEL = [
  'model',
  'contents',
  'systemInstruction',
  'tools',
  'toolConfig',
  'safetySettings',
  'generationConfig',
  'cachedContent',
  'serviceTier',
];
const TOP_LEVEL_REFUSED = {
  labels: 'labels are set by the operator (Vertex AI), not by a client',
  store: 'stored interactions are not supported',
};

/** `models/gemini-x` or `gemini-x` -> `gemini-x`. */
export function bareModel(name: string): string {
  return name.startsWith('models/') ? name.slice('models/'.length) : name;
}

const BUILTINS: Readonly<Record<string, BuiltinToolType>> = {
  googleSearch: 'google_search',
  urlContext: 'url_context',
  codeExecution: 'code_execution',
  googleMaps: 'google_maps',
};

function decodeTools(value: unknown, request: Canonical): void {
  const tools: NonNullable<Canonical['tools']> = [];
  arrayField(value, 'tools').forEach((tool, index) => {
    const param = `tools[${index}]`;
    const fields = readFields(tool, param, ['functionDeclarations', ...Object.keys(BUILTINS)], {
      googleSearchRetrieval: 'use googleSearch (Gemini 2 and later)',
      retrieval: 'retrieval tools cannot be honoured on every deployment',
      computerUse: 'computer use cannot be honoured on every deployment',
      fileSearch: 'file search stores cannot be honoured on every deployment',
      enterpriseWebSearch: 'enterprise web search cannot be honoured on every deployment',
    });
    for (const [key, config] of Object.entries(fields)) {
      const builtin = BUILTINS[key];
      if (builtin !== undefined) {
        if (!isObject(config)) throw invalid('must be an object', `${param}.${key}`);
        tools.push({ type: builtin, [builtin]: config });
        continue;
      }
      arrayField(config, `${param}.functionDeclarations`).forEach((declaration, position) => {
        tools.push(functionTool(declaration, `${param}.functionDeclarations[${position}]`));
      });
    }
  });
  if (tools.length > 0) request.tools = tools;
}

function functionTool(value: unknown, param: string): NonNullable<Canonical['tools']>[number] {
  const fields = readFields(value, param, ['name', 'description', 'parameters', 'parametersJsonSchema'], {
    response: 'declared function responses cannot be honoured on every deployment',
    responseJsonSchema: 'declared function responses cannot be honoured on every deployment',
    behavior: 'non-blocking functions cannot be honoured on every deployment',
  });
  const name = stringField(fields.name, `${param}.name`);
  if (!/^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/.test(name)) {
    throw invalid(
      'must start with a letter or _ and use letters, digits, _ . : - (at most 128)',
      `${param}.name`,
    );
  }
  const fn: { name: string; description?: string; parameters?: Record<string, unknown> } = { name };
  if (fields.description !== undefined)
    fn.description = stringField(fields.description, `${param}.description`);
  if (fields.parameters !== undefined && fields.parametersJsonSchema !== undefined) {
    throw invalid('send parameters or parametersJsonSchema, not both', param);
  }
  if (fields.parameters !== undefined) {
    fn.parameters = googleSchemaToJsonSchema(fields.parameters, `${param}.parameters`);
  } else if (fields.parametersJsonSchema !== undefined) {
    if (!isObject(fields.parametersJsonSchema))
      throw invalid('must be an object', `${param}.parametersJsonSchema`);
    fn.parameters = fields.parametersJsonSchema;
  }
  return { type: 'function', function: fn };
}

function decodeToolConfig(value: unknown, request: Canonical): void {
  const fields = readFields(
    value,
    'toolConfig',
    ['functionCallingConfig', 'includeServerSideToolInvocations'],
    {
      retrievalConfig: 'retrieval configuration (location for Maps) cannot be honoured on every deployment',
    },
  );
  if (fields.includeServerSideToolInvocations !== undefined) {
    booleanField(fields.includeServerSideToolInvocations, 'toolConfig.includeServerSideToolInvocations');
  }
  if (fields.functionCallingConfig === undefined) return;
  const param = 'toolConfig.functionCallingConfig';
  const config = readFields(fields.functionCallingConfig, param, ['mode', 'allowedFunctionNames']);
  const mode = config.mode === undefined ? 'AUTO' : stringField(config.mode, `${param}.mode`);
  const names =
    config.allowedFunctionNames === undefined
      ? []
      : arrayField(config.allowedFunctionNames, `${param}.allowedFunctionNames`).map((name, index) =>
          stringField(name, `${param}.allowedFunctionNames[${index}]`),
        );
  if (mode === 'AUTO' || mode === 'MODE_UNSPECIFIED') request.tool_choice = 'auto';
  else if (mode === 'NONE') request.tool_choice = 'none';
  else if (mode === 'ANY' && names.length === 0) request.tool_choice = 'required';
  else if (mode === 'ANY' && names.length === 1) {
    request.tool_choice = { type: 'function', function: { name: names[0] as string } };
  } else if (mode === 'ANY') {
    throw invalid(
      'ANY with more than one allowed function cannot be honoured on every deployment',
      `${param}.allowedFunctionNames`,
    );
  } else {
    throw invalid('must be AUTO, ANY or NONE', `${param}.mode`);
  }
  if (mode !== 'ANY' && names.length > 0)
    throw invalid('is only allowed with mode ANY', `${param}.allowedFunctionNames`);
}

function decodeSafety(value: unknown, request: Canonical): void {
  const settings = arrayField(value, 'safetySettings').map((entry, index) => {
    const param = `safetySettings[${index}]`;
    const fields = readFields(entry, param, ['category', 'threshold'], {
      method: 'the blocking method is a Vertex AI setting Portico does not forward',
    });
    return {
      category: stringField(fields.category, `${param}.category`),
      threshold: stringField(fields.threshold, `${param}.threshold`),
    };
  });
  request.google = { ...request.google, safety_settings: settings };
}

const GENERATION_FIELDS = [
  'temperature',
  'topP',
  'topK',
  'candidateCount',
  'maxOutputTokens',
  'stopSequences',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'responseLogprobs',
  'logprobs',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'responseModalities',
  'speechConfig',
  'thinkingConfig',
];
const GENERATION_REFUSED = {
  mediaResolution: 'a request-wide media resolution cannot be honoured on every deployment (set it per part)',
  imageConfig: 'image output settings cannot be honoured on every deployment',
  enableEnhancedCivicAnswers: 'cannot be honoured on every deployment',
  routingConfig: 'Portico routes requests itself',
  audioTimestamp: 'cannot be honoured on every deployment',
  responseFormat: 'use responseMimeType and responseJsonSchema',
};

function decodeOutputFormat(config: JsonObject, request: Canonical): void {
  const param = 'generationConfig';
  const mime =
    config.responseMimeType === undefined
      ? undefined
      : stringField(config.responseMimeType, `${param}.responseMimeType`);
  if (config.responseSchema !== undefined && config.responseJsonSchema !== undefined) {
    throw invalid('send responseSchema or responseJsonSchema, not both', `${param}.responseJsonSchema`);
  }
  let schema: Record<string, unknown> | undefined;
  if (config.responseSchema !== undefined) {
    schema = googleSchemaToJsonSchema(config.responseSchema, `${param}.responseSchema`);
  } else if (config.responseJsonSchema !== undefined) {
    if (!isObject(config.responseJsonSchema))
      throw invalid('must be an object', `${param}.responseJsonSchema`);
    schema = config.responseJsonSchema;
  }
  if (schema !== undefined && mime !== 'application/json') {
    throw invalid('a response schema needs responseMimeType "application/json"', `${param}.responseMimeType`);
  }
  if (mime === undefined || mime === 'text/plain') return;
  if (mime !== 'application/json')
    throw invalid('must be "text/plain" or "application/json"', `${param}.responseMimeType`);
  request.response_format =
    schema === undefined
      ? { type: 'json_object' }
      : { type: 'json_schema', json_schema: { name: 'response', schema, strict: true } };
}

function decodeSpeech(value: unknown, request: Canonical): void {
  const param = 'generationConfig.speechConfig';
  const speech = readFields(value, param, ['voiceConfig'], {
    multiSpeakerVoiceConfig: 'multi-speaker speech cannot be honoured on every deployment',
    languageCode: 'cannot be honoured on every deployment',
  });
  const voice = readFields(speech.voiceConfig, `${param}.voiceConfig`, ['prebuiltVoiceConfig']);
  const prebuilt = readFields(voice.prebuiltVoiceConfig, `${param}.voiceConfig.prebuiltVoiceConfig`, [
    'voiceName',
  ]);
  const name = stringField(prebuilt.voiceName, `${param}.voiceConfig.prebuiltVoiceConfig.voiceName`);
  request.audio = { voice: name, format: 'pcm16' };
}

function decodeGeneration(value: unknown, request: Canonical): void {
  const param = 'generationConfig';
  const config = readFields(value, param, GENERATION_FIELDS, GENERATION_REFUSED);
  if (config.temperature !== undefined)
    request.temperature = numberField(config.temperature, `${param}.temperature`, 0, 2);
  if (config.topP !== undefined) request.top_p = numberField(config.topP, `${param}.topP`, 0, 1);
  if (config.topK !== undefined) request.top_k = integerField(config.topK, `${param}.topK`, 1, 1_000_000);
  if (config.candidateCount !== undefined)
    request.n = integerField(config.candidateCount, `${param}.candidateCount`, 1, 8);
  if (config.maxOutputTokens !== undefined) {
    request.max_completion_tokens = integerField(
      config.maxOutputTokens,
      `${param}.maxOutputTokens`,
      1,
      10_000_000,
    );
  }
  if (config.stopSequences !== undefined) {
    const stops = arrayField(config.stopSequences, `${param}.stopSequences`);
    if (stops.length > 5) throw invalid('takes at most 5 sequences', `${param}.stopSequences`);
    request.stop = stops.map((stop, index) => stringField(stop, `${param}.stopSequences[${index}]`));
  }
  if (config.seed !== undefined)
    request.seed = integerField(config.seed, `${param}.seed`, -(2 ** 31), 2 ** 31 - 1);
  if (config.presencePenalty !== undefined) {
    request.presence_penalty = numberField(config.presencePenalty, `${param}.presencePenalty`, -2, 2);
  }
  if (config.frequencyPenalty !== undefined) {
    request.frequency_penalty = numberField(config.frequencyPenalty, `${param}.frequencyPenalty`, -2, 2);
  }
  if (config.responseLogprobs !== undefined)
    request.logprobs = booleanField(config.responseLogprobs, `${param}.responseLogprobs`);
  if (config.logprobs !== undefined) {
    if (request.logprobs !== true) throw invalid('needs responseLogprobs: true', `${param}.logprobs`);
    request.top_logprobs = integerField(config.logprobs, `${param}.logprobs`, 0, 20);
  }
  decodeOutputFormat(config, request);
  if (config.responseModalities !== undefined) {
    const modalities = arrayField(config.responseModalities, `${param}.responseModalities`).map(
      (modality, index) => {
        const name = stringField(modality, `${param}.responseModalities[${index}]`).toLowerCase();
        if (name !== 'text' && name !== 'image' && name !== 'audio') {
          throw invalid('must be TEXT, IMAGE or AUDIO', `${param}.responseModalities[${index}]`);
        }
        return name;
      },
    );
    if (modalities.length > 0) request.modalities = modalities;
  }
  if (config.speechConfig !== undefined) decodeSpeech(config.speechConfig, request);
  if (config.thinkingConfig !== undefined) {
    const thinking = readFields(config.thinkingConfig, `${param}.thinkingConfig`, [
      'includeThoughts',
      'thinkingBudget',
      'thinkingLevel',
    ]);
    const out: JsonObject = {};
    if (thinking.includeThoughts !== undefined) {
      out.include_thoughts = booleanField(
        thinking.includeThoughts,
        `${param}.thinkingConfig.includeThoughts`,
      );
    }
    if (thinking.thinkingBudget !== undefined) {
      out.thinking_budget = integerField(
        thinking.thinkingBudget,
        `${param}.thinkingConfig.thinkingBudget`,
        -1,
        1_000_000,
      );
    }
    if (thinking.thinkingLevel !== undefined) {
      out.thinking_level = stringField(
        thinking.thinkingLevel,
        `${param}.thinkingConfig.thinkingLevel`,
      ).toLowerCase();
    }
    request.google = { ...request.google, thinking_config: out };
  }
}

const SERVICE_TIERS: Readonly<Record<string, 'default' | 'flex' | 'priority'>> = {
  standard: 'default',
  flex: 'flex',
  priority: 'priority',
};

/** The request's fields under camelCase, the model check done; shared with `:countTokens`. */
export function decodeGenerateRequest(raw: unknown, pathModel: string, stream: boolean): Canonical {
  const fields = readFields(raw, '', TOP_LEVEL, TOP_LEVEL_REFUSED);
  const model = bareModel(pathModel);
  if (fields.model !== undefined && bareModel(stringField(fields.model, 'model')) !== model) {
    throw invalid(
      `names another model than the URL (${model.slice(0, 100)}); the URL's model is the only model`,
      'model',
    );
  }
  const messages: ChatMessage[] = [];
  if (fields.systemInstruction !== undefined)
    messages.push(systemMessage(fields.systemInstruction, 'systemInstruction'));
  messages.push(...decodeContents(fields.contents, 'contents'));
  const request: Canonical = { model, messages };
  if (stream) request.stream = true;
  if (fields.tools !== undefined) decodeTools(fields.tools, request);
  if (fields.toolConfig !== undefined) decodeToolConfig(fields.toolConfig, request);
  if (fields.safetySettings !== undefined) decodeSafety(fields.safetySettings, request);
  if (fields.generationConfig !== undefined) decodeGeneration(fields.generationConfig, request);
  if (fields.cachedContent !== undefined) {
    const name = stringField(fields.cachedContent, 'cachedContent');
    if (name === '') throw invalid('must be a cachedContents/... name', 'cachedContent');
    request.google = { ...request.google, cached_content: name };
  }
  if (fields.serviceTier !== undefined) {
    const tier = SERVICE_TIERS[stringField(fields.serviceTier, 'serviceTier').toLowerCase()];
    if (tier === undefined) throw invalid('must be standard, flex or priority', 'serviceTier');
    request.service_tier = tier;
  }
  return validateChatRequest(request);
}
