/**
 * Reading a Gemini `generateContent` body into a `GenerationRequest`: prompt tokens by modality, the
 * thinking asked for, whether a function call is due, cached content, and Gemini 3's signature check.
 */
import type { GenerationRequest, PromptTokens, ToolDeclaration } from './generation-plan.ts';
import { IMAGE_OUTPUT_TOKENS, readFeatures, type GeminiFeatures } from './gemini-features.ts';
import { isRecord, MEDIA_PART_TOKENS, positiveInteger, reasoningForLevel, RequestError } from './protocol.ts';
import type { RequestSettings } from './request-settings.ts';
import { countTokens, hashText } from './text-generator.ts';

/** Tokens an explicit `cachedContent` stands for, unless `x-sim-cached-tokens` says otherwise. */
const DEFAULT_CACHED_CONTENT_TOKENS = 1024;
/** Google's documented escape hatch for a lost signature. */
const SKIP_SIGNATURE = 'skip_thought_signature_validator';

export interface GeminiRequest {
  readonly generation: GenerationRequest;
  readonly includeThoughts: boolean;
  /** Gemini 3 models put a thought signature on the last text part of plain answers, too. */
  readonly signsText: boolean;
  readonly features: GeminiFeatures;
  /** The finish reason asked for with the `finish` knob. */
  readonly finishReason: string | null;
}

function countMedia(mimeType: unknown, prompt: PromptTokens): void {
  const mime = typeof mimeType === 'string' ? mimeType : '';
  if (mime.startsWith('image/')) prompt.image += MEDIA_PART_TOKENS;
  else if (mime.startsWith('audio/')) prompt.audio += MEDIA_PART_TOKENS;
  else if (mime.startsWith('video/')) prompt.video += MEDIA_PART_TOKENS;
  else prompt.document += MEDIA_PART_TOKENS;
}

/** Counts one content's parts into `prompt`; returns its plain text and whether it answers a call. */
function readParts(parts: unknown, prompt: PromptTokens): { text: string; functionResponse: boolean } {
  let text = '';
  let functionResponse = false;
  if (!Array.isArray(parts)) return { text, functionResponse };
  for (const part of parts) {
    if (!isRecord(part)) continue;
    if (typeof part.text === 'string') {
      prompt.text += countTokens(part.text);
      if (part.thought !== true) text += part.text;
    } else if (isRecord(part.inlineData) || isRecord(part.fileData)) {
      countMedia(
        (isRecord(part.inlineData) ? part.inlineData : (part.fileData as Record<string, unknown>)).mimeType,
        prompt,
      );
    } else if (isRecord(part.functionCall)) {
      prompt.text +=
        countTokens(String(part.functionCall.name ?? '')) +
        countTokens(JSON.stringify(part.functionCall.args ?? {}));
    } else if (isRecord(part.functionResponse)) {
      functionResponse = true;
      prompt.text +=
        countTokens(String(part.functionResponse.name ?? '')) +
        countTokens(JSON.stringify(part.functionResponse.response ?? {}));
    }
  }
  return { text, functionResponse };
}

/** Gemini 3 refuses a replayed model turn whose first function call lost its signature. */
function checkSignatures(contents: readonly unknown[]): void {
  for (const content of contents) {
    if (!isRecord(content) || content.role !== 'model' || !Array.isArray(content.parts)) continue;
    const call = content.parts.find((part) => isRecord(part) && isRecord(part.functionCall));
    if (isRecord(call) && (typeof call.thoughtSignature !== 'string' || call.thoughtSignature.length === 0)) {
      throw new RequestError(
        'Function call is missing a thought_signature in functionCall parts (simulated Gemini 3 check). ' +
          `Send back the signature the model returned, or "${SKIP_SIGNATURE}".`,
        'contents',
      );
    }
  }
}

function thinking(config: unknown): { reasoning: number; includeThoughts: boolean } {
  if (!isRecord(config)) return { reasoning: 0, includeThoughts: false };
  const budget = config.thinkingBudget ?? config.thinking_budget;
  const level = config.thinkingLevel ?? config.thinking_level;
  const includeThoughts = (config.includeThoughts ?? config.include_thoughts) === true;
  let reasoning = reasoningForLevel('dynamic');
  if (typeof budget === 'number')
    reasoning = budget < 0 ? reasoning : Math.min(budget, reasoningForLevel('high'));
  else if (typeof level === 'string') reasoning = reasoningForLevel(level.toLowerCase());
  return { reasoning, includeThoughts: includeThoughts && reasoning > 0 };
}

/**
 * The function to call: the first declared one, when the conversation asks for it;
 * `toolConfig.functionCallingConfig` can forbid a call (`NONE`) or force one (`ANY`, optionally limited
 * to `allowedFunctionNames`).
 */
function chooseDeclaration(
  tools: readonly unknown[],
  toolConfig: unknown,
  wanted: boolean,
): ToolDeclaration | null {
  const declared: ToolDeclaration[] = [];
  for (const tool of tools) {
    if (!isRecord(tool)) continue;
    const declarations = tool.functionDeclarations ?? tool.function_declarations;
    if (!Array.isArray(declarations)) continue;
    for (const declaration of declarations) {
      if (isRecord(declaration) && typeof declaration.name === 'string') {
        const schema =
          declaration.parameters ?? declaration.parametersJsonSchema ?? declaration.parameters_json_schema;
        declared.push({ name: declaration.name, schema });
      }
    }
  }
  const config = isRecord(toolConfig)
    ? (toolConfig.functionCallingConfig ?? toolConfig.function_calling_config)
    : undefined;
  const mode = isRecord(config) && typeof config.mode === 'string' ? config.mode.toUpperCase() : 'AUTO';
  if (mode === 'NONE') return null;
  if (mode === 'ANY') {
    const allowed = isRecord(config)
      ? (config.allowedFunctionNames ?? config.allowed_function_names)
      : undefined;
    const first: unknown = Array.isArray(allowed) ? allowed[0] : undefined;
    return typeof first === 'string'
      ? (declared.find((tool) => tool.name === first) ?? null)
      : (declared[0] ?? null);
  }
  return wanted ? (declared[0] ?? null) : null;
}

export function readGeminiRequest(
  body: Record<string, unknown>,
  model: string,
  stream: boolean,
  settings: RequestSettings,
): GeminiRequest {
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) {
    throw new RequestError('* GenerateContentRequest.contents: contents is not specified', 'contents');
  }
  const signsText = model.includes('gemini-3');
  if (signsText) checkSignatures(contents);
  const config = isRecord(body.generationConfig) ? body.generationConfig : {};
  const maxOutputTokens = positiveInteger(
    config.maxOutputTokens ?? config.max_output_tokens,
    'generationConfig.maxOutputTokens',
  );
  const choices =
    positiveInteger(config.candidateCount ?? config.candidate_count, 'generationConfig.candidateCount') ?? 1;
  if (choices > 8)
    throw new RequestError('candidateCount must be at most 8', 'generationConfig.candidateCount');

  const prompt: PromptTokens = { text: 0, image: 0, audio: 0, video: 0, document: 0 };
  if (isRecord(body.systemInstruction)) readParts(body.systemInstruction.parts, prompt);
  let lastUserText = '';
  let last = { role: 'user' as unknown, functionResponse: false };
  for (const content of contents) {
    if (!isRecord(content)) throw new RequestError('each content must be an object', 'contents');
    const read = readParts(content.parts, prompt);
    const role = content.role ?? 'user';
    if (role === 'user') lastUserText = read.text;
    last = { role, functionResponse: read.functionResponse };
  }
  const tools = Array.isArray(body.tools) ? body.tools : [];
  if (tools.length > 0) prompt.text += countTokens(JSON.stringify(tools));
  const wantsCall =
    last.role === 'user' &&
    !last.functionResponse &&
    (settings.toolCall || lastUserText.toLowerCase().includes('weather'));
  const { reasoning, includeThoughts } = thinking(config.thinkingConfig ?? config.thinking_config);
  const cachedContent = typeof body.cachedContent === 'string' || typeof body.cached_content === 'string';
  const features = readFeatures(config, tools, model, lastUserText);
  return {
    generation: {
      model,
      stream,
      maxOutputTokens,
      choices,
      prompt,
      seed: hashText(lastUserText),
      reasoningTokens: reasoning,
      toolCall: chooseDeclaration(tools, body.toolConfig ?? body.tool_config, wantsCall),
      cachedTokens: settings.cachedTokens ?? (cachedContent ? DEFAULT_CACHED_CONTENT_TOKENS : 0),
      cachedContentAddsToPrompt: cachedContent,
      mediaTokens: features.image ? IMAGE_OUTPUT_TOKENS : 0,
    },
    includeThoughts,
    signsText,
    features,
    finishReason: settings.finish,
  };
}
