/**
 * What the simulator answers, decided once per request. Both protocols read their request into a
 * `GenerationRequest`; the plan made from it drives the JSON body, every stream chunk and the usage, so
 * the reported usage is always exactly what was generated.
 *
 * Caps: the request's output maximum bounds each choice's reasoning + visible tokens together (Gemini
 * counts thinking inside `maxOutputTokens`; OpenAI counts reasoning inside `max_completion_tokens`).
 * Reasoning is spent first, so a small cap can leave an empty answer cut off by length, as the real
 * models do.
 */
import { schemaInstance } from './schema-instance.ts';
import { countTokens } from './text-generator.ts';

export interface PromptTokens {
  text: number;
  image: number;
  audio: number;
  video: number;
  document: number;
}

export interface ToolDeclaration {
  readonly name: string;
  /** JSON Schema (OpenAI) or OpenAPI-style schema (Gemini) of the arguments, if any. */
  readonly schema: unknown;
}

export interface GenerationRequest {
  readonly model: string;
  readonly stream: boolean;
  readonly maxOutputTokens: number | null;
  readonly choices: number;
  readonly prompt: PromptTokens;
  /** Hash of the last user text: where in the word pool the answer starts. */
  readonly seed: number;
  /** Thinking the request asked for, before the cap. */
  readonly reasoningTokens: number;
  /** The tool to call, when the conversation calls for one; null for a text answer. */
  readonly toolCall: ToolDeclaration | null;
  /** Tokens served from a cache: a prefix of the prompt, or (Gemini `cachedContent`) added to it. */
  readonly cachedTokens: number;
  readonly cachedContentAddsToPrompt: boolean;
  /** Output tokens of generated media (a Gemini image) on top of the text, per choice. */
  readonly mediaTokens?: number;
}

export interface PlannedToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
  readonly tokens: number;
}

export interface ChoicePlan {
  readonly index: number;
  readonly seed: number;
  readonly reasoningTokens: number;
  readonly textTokens: number;
  readonly toolCall: PlannedToolCall | null;
  /** Cut short by the output cap. */
  readonly truncated: boolean;
  /** Reasoning + visible tokens of this choice. */
  readonly outputTokens: number;
}

export interface GenerationPlan {
  readonly model: string;
  readonly prompt: PromptTokens;
  readonly promptTokens: number;
  readonly cachedTokens: number;
  readonly choices: readonly ChoicePlan[];
  readonly reasoningTokens: number;
  /** All choices, reasoning included. */
  readonly completionTokens: number;
}

export const DEFAULT_ANSWER_TOKENS = 30;

/** Deterministic arguments that validate against the tool's parameter schema (schema-instance.ts). */
export function placeholderArguments(schema: unknown): Record<string, unknown> {
  if (typeof schema !== 'object' || schema === null) return {};
  const value = schemaInstance(schema);
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function promptTotal(prompt: PromptTokens): number {
  return prompt.text + prompt.image + prompt.audio + prompt.video + prompt.document;
}

export interface PlanContext {
  /** Visible tokens wanted per choice before the cap (x-sim-tokens, or a default). */
  readonly answerTokens: number;
  /** Allocates `call_sim_<n>` ids. */
  readonly nextToolCallId: () => string;
}

export function planGeneration(request: GenerationRequest, context: PlanContext): GenerationPlan {
  const cap = request.maxOutputTokens ?? Number.POSITIVE_INFINITY;
  const choices: ChoicePlan[] = [];
  let reasoningTotal = 0;
  let completionTotal = 0;
  for (let index = 0; index < request.choices; index++) {
    const reasoning = Math.min(request.reasoningTokens, cap);
    const room = cap - reasoning;
    let toolCall: PlannedToolCall | null = null;
    if (request.toolCall !== null) {
      const argumentsText = JSON.stringify(placeholderArguments(request.toolCall.schema));
      const tokens = countTokens(request.toolCall.name) + countTokens(argumentsText);
      // A call that does not fit the cap is not made; the answer is cut-off text instead.
      if (tokens <= room) {
        toolCall = {
          id: context.nextToolCallId(),
          name: request.toolCall.name,
          arguments: argumentsText,
          tokens,
        };
      }
    }
    const text = toolCall ? 0 : Math.min(context.answerTokens, room);
    const outputTokens = reasoning + (toolCall ? toolCall.tokens : text + (request.mediaTokens ?? 0));
    choices.push({
      index,
      seed: request.seed + index * 17,
      reasoningTokens: reasoning,
      textTokens: text,
      toolCall,
      truncated: toolCall === null && (text < context.answerTokens || reasoning < request.reasoningTokens),
      outputTokens,
    });
    reasoningTotal += reasoning;
    completionTotal += outputTokens;
  }
  const promptTokens =
    promptTotal(request.prompt) + (request.cachedContentAddsToPrompt ? request.cachedTokens : 0);
  const prompt = request.cachedContentAddsToPrompt
    ? { ...request.prompt, text: request.prompt.text + request.cachedTokens }
    : request.prompt;
  return {
    model: request.model,
    prompt,
    promptTokens,
    cachedTokens: Math.min(request.cachedTokens, promptTokens),
    choices,
    reasoningTokens: reasoningTotal,
    completionTokens: completionTotal,
  };
}
