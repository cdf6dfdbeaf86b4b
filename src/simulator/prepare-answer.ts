/**
 * From a parsed body to what will be sent: the protocol's request reader, the generation plan, and the
 * writers for the JSON answer and the stream. Also fills the attempt's model, stream flag and cap.
 */
import { DEFAULT_ANSWER_TOKENS, planGeneration, type GenerationPlan } from './generation-plan.ts';
import { geminiResponseBody, geminiStreamScript } from './gemini-protocol.ts';
import { readGeminiRequest } from './gemini-request.ts';
import { anthropicMessageBody, anthropicStreamScript } from './anthropic-protocol.ts';
import { readAnthropicRequest } from './anthropic-request.ts';
import { openAICompletionBody, openAIStreamScript } from './openai-protocol.ts';
import { readOpenAIRequest } from './openai-request.ts';
import { isRecord, type StreamScript, type UsageMode } from './protocol.ts';
import type { RequestSettings } from './request-settings.ts';
import type { ApiRoute } from './routes.ts';
import type { SimulatorAttempt } from './types.ts';
import { countTokens } from './text-generator.ts';

/** What a generating request will send: its plan, and how to write it as JSON or as a stream. */
export interface Prepared {
  readonly plan: GenerationPlan;
  readonly answer: (mode: UsageMode) => string;
  readonly script: (chunkCount: number, mode: UsageMode) => StreamScript;
}

/** Reads the body for its protocol (throws `RequestError` for a 400) and plans the answer. */
export function prepare(
  target: ApiRoute,
  body: Record<string, unknown>,
  settings: RequestSettings,
  attempt: SimulatorAttempt,
  nextToolCallId: () => string,
  responseId: string,
): Prepared {
  if (target.protocol === 'anthropic') {
    const generation = readAnthropicRequest(body, settings);
    attempt.model = generation.model;
    attempt.stream = generation.stream;
    attempt.maxOutputTokens = generation.maxOutputTokens;
    const plan = planGeneration(generation, {
      answerTokens: answerTokens(settings, generation.stream),
      nextToolCallId,
    });
    const id = `msg_${responseId}`;
    return {
      plan,
      answer: (mode) => anthropicMessageBody(plan, id, mode),
      script: (chunks, mode) => anthropicStreamScript(plan, id, chunks, mode),
    };
  }
  if (target.protocol === 'openai') {
    const generation = readOpenAIRequest(body, settings);
    attempt.model = generation.model;
    attempt.stream = generation.stream;
    attempt.maxOutputTokens = generation.maxOutputTokens;
    const plan = planGeneration(generation, {
      answerTokens: answerTokens(settings, generation.stream),
      nextToolCallId,
    });
    const streamOptions = body.stream_options;
    const includeUsage = isRecord(streamOptions) && streamOptions.include_usage === true;
    const id = `chatcmpl-${responseId}`;
    const created = Math.floor(Date.now() / 1000);
    return {
      plan,
      answer: (mode) => openAICompletionBody(plan, id, created, mode),
      script: (chunks, mode) => openAIStreamScript(plan, id, created, chunks, mode, includeUsage),
    };
  }
  const gemini = readGeminiRequest(body, target.model, target.stream, settings);
  attempt.maxOutputTokens = gemini.generation.maxOutputTokens;
  const json = gemini.features.json;
  const plan = planGeneration(gemini.generation, {
    // A JSON answer is exactly as long as the JSON that fits the schema.
    answerTokens: json !== null ? countTokens(json) : answerTokens(settings, target.stream),
    nextToolCallId,
  });
  return {
    plan,
    answer: (mode) => geminiResponseBody(plan, gemini, responseId, mode),
    script: (chunks, mode) => geminiStreamScript(plan, gemini, responseId, chunks, mode),
  };
}

/** Answer length: `x-sim-tokens`, else the default, stretched so a stream fills its chunk count. */
function answerTokens(settings: RequestSettings, stream: boolean): number {
  if (settings.tokens !== null) return settings.tokens;
  return stream ? Math.max(DEFAULT_ANSWER_TOKENS, settings.chunkCount) : DEFAULT_ANSWER_TOKENS;
}
