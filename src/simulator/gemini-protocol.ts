/**
 * Gemini's native API as the simulator speaks it (gemini-mapping.md §3, §4, §8): reading a
 * `generateContent` body, and writing the JSON answer, the `?alt=sse` chunks (`data: {...}\r\n\r\n`,
 * cumulative `usageMetadata` on every chunk, `finishReason` only on the last, no `[DONE]`) and errors.
 */
import type { ChoicePlan, GenerationPlan, GenerationRequest, PromptTokens } from './generation-plan.ts';
import {
  isRecord,
  MEDIA_PART_TOKENS,
  positiveInteger,
  reasoningForLevel,
  RequestError,
  type Frame,
  type StreamScript,
  type UsageMode,
} from './protocol.ts';
import type { RequestSettings } from './request-settings.ts';
import { countTokens, hashText, poolPieces, poolText } from './text-generator.ts';

const REASONING_SEED_OFFSET = 101;
/** Tokens an explicit `cachedContent` stands for, unless `x-sim-cached-tokens` says otherwise. */
const DEFAULT_CACHED_CONTENT_TOKENS = 1024;
/** Google's documented escape hatch for a lost signature. */
const SKIP_SIGNATURE = 'skip_thought_signature_validator';

export interface GeminiRequest {
  readonly generation: GenerationRequest;
  readonly includeThoughts: boolean;
  /** Gemini 3 models put a thought signature on the last text part of plain answers, too. */
  readonly signsText: boolean;
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

function firstDeclaration(tools: readonly unknown[]): { name: string; schema: unknown } | null {
  for (const tool of tools) {
    if (!isRecord(tool)) continue;
    const declarations = tool.functionDeclarations ?? tool.function_declarations;
    const first: unknown = Array.isArray(declarations) ? declarations[0] : undefined;
    if (isRecord(first) && typeof first.name === 'string') {
      return {
        name: first.name,
        schema: first.parameters ?? first.parametersJsonSchema ?? first.parameters_json_schema,
      };
    }
  }
  return null;
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
  const declaration = firstDeclaration(tools);
  const wantsCall =
    last.role === 'user' &&
    !last.functionResponse &&
    (settings.toolCall || lastUserText.toLowerCase().includes('weather'));
  const { reasoning, includeThoughts } = thinking(config.thinkingConfig ?? config.thinking_config);
  const cachedContent = typeof body.cachedContent === 'string' || typeof body.cached_content === 'string';
  return {
    generation: {
      model,
      stream,
      maxOutputTokens,
      choices,
      prompt,
      seed: hashText(lastUserText),
      reasoningTokens: reasoning,
      toolCall: wantsCall ? declaration : null,
      cachedTokens: settings.cachedTokens ?? (cachedContent ? DEFAULT_CACHED_CONTENT_TOKENS : 0),
      cachedContentAddsToPrompt: cachedContent,
    },
    includeThoughts,
    signsText,
  };
}

function signature(responseId: string, index: number): string {
  return Buffer.from(`simulated-thought-signature:${responseId}:${index}`).toString('base64');
}

function usageMetadata(
  plan: GenerationPlan,
  candidates: number,
  thoughts: number,
  mode: UsageMode,
): Record<string, unknown> {
  if (mode === 'zero') return { promptTokenCount: 0, candidatesTokenCount: 0, totalTokenCount: 0 };
  const usage: Record<string, unknown> = { promptTokenCount: plan.promptTokens };
  if (candidates > 0) usage.candidatesTokenCount = candidates;
  usage.totalTokenCount = plan.promptTokens + candidates + thoughts;
  if (plan.cachedTokens > 0) usage.cachedContentTokenCount = plan.cachedTokens;
  const details = [{ modality: 'TEXT', tokenCount: plan.prompt.text }];
  if (plan.prompt.image > 0) details.push({ modality: 'IMAGE', tokenCount: plan.prompt.image });
  if (plan.prompt.audio > 0) details.push({ modality: 'AUDIO', tokenCount: plan.prompt.audio });
  if (plan.prompt.video > 0) details.push({ modality: 'VIDEO', tokenCount: plan.prompt.video });
  if (plan.prompt.document > 0) details.push({ modality: 'DOCUMENT', tokenCount: plan.prompt.document });
  usage.promptTokensDetails = details;
  if (plan.cachedTokens > 0) usage.cacheTokensDetails = [{ modality: 'TEXT', tokenCount: plan.cachedTokens }];
  if (thoughts > 0) usage.thoughtsTokenCount = thoughts;
  return usage;
}

interface Step {
  readonly parts: Record<string, unknown>[];
  readonly candidates: number;
  readonly thoughts: number;
}

/** The streamed steps of one candidate; a plain answer is the same steps merged into one. */
function candidateSteps(
  choice: ChoicePlan,
  request: GeminiRequest,
  responseId: string,
  chunkCount: number,
): Step[] {
  const steps: Step[] = [];
  if (request.includeThoughts && choice.reasoningTokens > 0) {
    const text = poolText(choice.seed + REASONING_SEED_OFFSET, choice.reasoningTokens);
    steps.push({ parts: [{ text, thought: true }], candidates: 0, thoughts: choice.reasoningTokens });
  }
  const call = choice.toolCall;
  if (call) {
    const part = {
      functionCall: { name: call.name, args: JSON.parse(call.arguments) as unknown },
      thoughtSignature: signature(responseId, choice.index),
    };
    steps.push({ parts: [part], candidates: call.tokens, thoughts: 0 });
    steps.push({ parts: [{ text: '' }], candidates: 0, thoughts: 0 });
    return steps;
  }
  const pieces = poolPieces(choice.seed, choice.textTokens, chunkCount);
  pieces.forEach((piece, index) => {
    const part: Record<string, unknown> = { text: piece.text };
    if (request.signsText && index === pieces.length - 1)
      part.thoughtSignature = signature(responseId, choice.index);
    steps.push({ parts: [part], candidates: piece.tokens, thoughts: 0 });
  });
  return steps;
}

function candidateJson(
  choice: ChoicePlan,
  parts: Record<string, unknown>[],
  last: boolean,
  stream: boolean,
): Record<string, unknown> {
  const candidate: Record<string, unknown> = {
    content: parts.length > 0 ? { parts, role: 'model' } : { role: 'model' },
  };
  if (last) {
    candidate.finishReason = choice.truncated ? 'MAX_TOKENS' : 'STOP';
    if (choice.toolCall && !stream) candidate.finishMessage = 'Model generated function call(s).';
  }
  candidate.index = choice.index;
  return candidate;
}

export function geminiResponseBody(
  plan: GenerationPlan,
  request: GeminiRequest,
  responseId: string,
  mode: UsageMode,
): string {
  const candidates = plan.choices.map((choice) => {
    const parts = candidateSteps(choice, request, responseId, 1).flatMap((step) => step.parts);
    // An empty final text part only appears in streams.
    const kept = parts.filter((part) => part.text !== '');
    return candidateJson(choice, kept, true, false);
  });
  const answer: Record<string, unknown> = { candidates };
  if (mode !== 'none') {
    answer.usageMetadata = usageMetadata(
      plan,
      plan.completionTokens - plan.reasoningTokens,
      plan.reasoningTokens,
      mode,
    );
  }
  answer.modelVersion = plan.model;
  answer.responseId = responseId;
  return JSON.stringify(answer);
}

export function geminiStreamScript(
  plan: GenerationPlan,
  request: GeminiRequest,
  responseId: string,
  chunkCount: number,
  mode: UsageMode,
): StreamScript {
  const perCandidate = plan.choices.map((choice) => candidateSteps(choice, request, responseId, chunkCount));
  const steps = Math.max(1, ...perCandidate.map((candidateStepsList) => candidateStepsList.length));
  // Thoughts that are not shown are billed from the first chunk on, as in the recorded streams.
  const hiddenThoughts = request.includeThoughts ? 0 : plan.reasoningTokens;
  let candidatesSoFar = 0;
  let thoughtsSoFar = 0;
  const frames: Frame[] = [];
  for (let step = 0; step < steps; step++) {
    const candidates: Record<string, unknown>[] = [];
    let frameCandidates = 0;
    let frameThoughts = step === 0 ? hiddenThoughts : 0;
    plan.choices.forEach((choice, index) => {
      const list = perCandidate[index] ?? [];
      const current = list[step];
      if (current === undefined && !(step === 0 && list.length === 0)) return;
      candidates.push(candidateJson(choice, current?.parts ?? [], step >= list.length - 1, true));
      frameCandidates += current?.candidates ?? 0;
      frameThoughts += current?.thoughts ?? 0;
    });
    candidatesSoFar += frameCandidates;
    thoughtsSoFar += frameThoughts;
    const chunk: Record<string, unknown> = { candidates };
    if (mode !== 'none') chunk.usageMetadata = usageMetadata(plan, candidatesSoFar, thoughtsSoFar, mode);
    chunk.modelVersion = plan.model;
    chunk.responseId = responseId;
    frames.push({
      text: `data: ${JSON.stringify(chunk)}\r\n\r\n`,
      completionTokens: frameCandidates + frameThoughts,
      reasoningTokens: frameThoughts,
      carriesUsage: mode !== 'none',
    });
  }
  return {
    frames,
    terminator: null,
    errorEvent: `data: ${JSON.stringify({ error: { code: 500, message: 'An internal error has occurred (simulated).', status: 'INTERNAL' } })}\r\n\r\n`,
    malformedEvent: 'data: {"candidates": [{"content": {"parts": [{"text": \r\n\r\n',
    nonObjectEvent: 'data: 42\r\n\r\n',
  };
}

function statusName(status: number): string {
  switch (status) {
    case 400:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'ABORTED';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 500:
      return 'INTERNAL';
    case 501:
      return 'NOT_IMPLEMENTED';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return status >= 500 ? 'UNKNOWN' : 'FAILED_PRECONDITION';
  }
}

function defaultMessage(status: number, model: string, retrySeconds: number): string {
  switch (status) {
    case 400:
      return 'Request contains an invalid argument (simulated).';
    case 403:
      return 'The caller does not have permission (simulated).';
    case 404:
      return `models/${model} is not found for API version v1beta (simulated).`;
    case 429:
      return `You exceeded your current quota (simulated). Please retry in ${retrySeconds}s.`;
    case 500:
      return 'An internal error has occurred (simulated).';
    case 503:
      return 'The model is overloaded (simulated). Please try again later.';
    default:
      return `Simulated upstream error ${status}.`;
  }
}

export interface GeminiErrorOptions {
  readonly model?: string;
  readonly message?: string;
  readonly reason?: string | null;
  readonly retryAfterSeconds?: number | null;
}

/** `{error:{code,message,status,details?}}`, pretty-printed as Google sends it. */
export function geminiErrorBody(status: number, options: GeminiErrorOptions = {}): string {
  const model = options.model ?? 'unknown';
  const retrySeconds = options.retryAfterSeconds ?? 2;
  const details: Record<string, unknown>[] = [];
  let message = options.message ?? defaultMessage(status, model, retrySeconds);
  if (options.reason === 'API_KEY_INVALID')
    message = options.message ?? 'API key not valid. Please pass a valid API key.';
  if (options.reason) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: options.reason,
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    });
    details.push({ '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message });
  }
  if (status === 429) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [
        {
          quotaMetric: 'generativelanguage.googleapis.com/generate_content_requests',
          quotaId: 'GenerateRequestsPerMinutePerProjectPerModel',
          quotaDimensions: { model, location: 'global' },
          quotaValue: '10',
        },
      ],
    });
    details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retrySeconds}s` });
  }
  const error: Record<string, unknown> = { code: status, message, status: statusName(status) };
  if (details.length > 0) error.details = details;
  return JSON.stringify({ error }, null, 2);
}
