/**
 * The simulator's Gemini dialect (`generateContent` / `streamGenerateContent?alt=sse`), shaped like the
 * recordings: usage on every stream chunk and cumulative, `finishReason` on the last chunk only, thought
 * parts first, a `thoughtSignature` on function calls and on the last text part (Gemini 3 style).
 */
import { argsFor, type Plan, type SimRequest } from './plan.ts';
import { countTokens, splitIntoChunks } from './text.ts';

type Json = Record<string, unknown>;

export const SIM_SIGNATURE = 'c2ltLXRob3VnaHQtc2lnbmF0dXJl';

export function readGeminiRequest(body: Json, model: string, stream: boolean, cachedTokens: number): SimRequest {
  const contents = Array.isArray(body.contents) ? (body.contents as Json[]) : [];
  const texts: string[] = [];
  let mediaParts = 0;
  const system = (body.systemInstruction as Json | undefined)?.parts;
  if (Array.isArray(system)) for (const part of system as Json[]) if (typeof part.text === 'string') texts.push(part.text);
  for (const content of contents) {
    for (const part of (Array.isArray(content.parts) ? content.parts : []) as Json[]) {
      if (typeof part.text === 'string') texts.push(part.text);
      else if (part.inlineData || part.fileData) mediaParts++;
      else if (part.functionResponse) texts.push(JSON.stringify(part.functionResponse));
    }
  }
  const config = (body.generationConfig ?? {}) as Json;
  const thinking = (config.thinkingConfig ?? null) as Json | null;
  const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
  const declaration = ((tools[0]?.functionDeclarations as Json[] | undefined) ?? [])[0];
  const lastParts = (contents.at(-1)?.parts ?? []) as Json[];
  return {
    protocol: 'gemini',
    model,
    stream,
    promptText: texts.join('\n'),
    mediaParts,
    maxTokens: typeof config.maxOutputTokens === 'number' ? config.maxOutputTokens : null,
    thinking: thinking !== null && thinking.thinkingBudget !== 0,
    includeThoughts: thinking?.includeThoughts === true,
    toolName: declaration && typeof declaration.name === 'string' ? declaration.name : null,
    toolArgs: argsFor(declaration?.parametersJsonSchema ?? declaration?.parameters),
    lastIsToolResult: lastParts.some((part) => part.functionResponse !== undefined),
    candidates: typeof config.candidateCount === 'number' && config.candidateCount > 1 ? Math.min(8, config.candidateCount) : 1,
    cachedTokens: typeof body.cachedContent === 'string' ? Math.max(cachedTokens, 8) : cachedTokens,
  };
}

/** Gemini 3 refuses a replayed function call whose thought signature was lost. */
export function missingSignature(body: Json): boolean {
  const contents = Array.isArray(body.contents) ? (body.contents as Json[]) : [];
  return contents.some(
    (content) =>
      content.role === 'model' &&
      Array.isArray(content.parts) &&
      (content.parts as Json[]).some((part) => part.functionCall !== undefined && typeof part.thoughtSignature !== 'string'),
  );
}

function usage(plan: Plan, candidatesTokens: number, thoughts: number): Json {
  return {
    promptTokenCount: plan.promptTokens,
    candidatesTokenCount: candidatesTokens,
    totalTokenCount: plan.promptTokens + candidatesTokens + thoughts,
    ...(plan.cachedTokens ? { cachedContentTokenCount: plan.cachedTokens } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: plan.promptTokens }],
    ...(thoughts ? { thoughtsTokenCount: thoughts } : {}),
    serviceTier: 'standard',
  };
}

function finalParts(plan: Plan): Json[] {
  if (plan.toolCall) return [{ functionCall: { name: plan.toolCall.name, args: plan.toolCall.args }, thoughtSignature: SIM_SIGNATURE }];
  return [{ text: plan.textTokens.join(''), thoughtSignature: SIM_SIGNATURE }];
}

const TOOL_TOKENS = 8;

export function geminiResponse(plan: Plan, responseId: string, model: string, withUsage: boolean): Json {
  const thoughtParts = plan.thoughtTokens.length ? [{ text: plan.thoughtTokens.join(''), thought: true }] : [];
  const candidates = Array.from({ length: plan.candidates }, (_, index) => ({
    content: { parts: [...thoughtParts, ...finalParts(plan)], role: 'model' },
    finishReason: plan.finish === 'length' && !plan.toolCall ? 'MAX_TOKENS' : 'STOP',
    ...(plan.toolCall ? { finishMessage: 'Model generated function call(s).' } : {}),
    index,
  }));
  const visible = (plan.toolCall ? TOOL_TOKENS : plan.textTokens.length) * plan.candidates;
  return {
    candidates,
    ...(withUsage ? { usageMetadata: usage(plan, visible, plan.reasoningTokens * plan.candidates) } : {}),
    modelVersion: model,
    responseId,
  };
}

export function geminiChunks(plan: Plan, responseId: string, model: string, chunkCount: number, withUsage: boolean): { payloads: string[]; tokensAt: number[] } {
  const payloads: string[] = [];
  const tokensAt: number[] = [];
  const thoughts = plan.reasoningTokens * plan.candidates;
  let visible = 0;
  const push = (parts: Json[], last: boolean) => {
    const candidates = Array.from({ length: plan.candidates }, (_, index) => ({
      content: { parts, role: 'model' },
      ...(last ? { finishReason: plan.finish === 'length' && !plan.toolCall ? 'MAX_TOKENS' : 'STOP' } : {}),
      ...(last && plan.toolCall ? { finishMessage: 'Model generated function call(s).' } : {}),
      index,
    }));
    payloads.push(JSON.stringify({ candidates, ...(withUsage ? { usageMetadata: usage(plan, visible, thoughts) } : {}), modelVersion: model, responseId }));
    tokensAt.push(visible + thoughts);
  };
  if (plan.thoughtTokens.length) push([{ text: plan.thoughtTokens.join(''), thought: true }], false);
  if (plan.toolCall) {
    visible += TOOL_TOKENS * plan.candidates;
    push(finalParts(plan), true);
    return { payloads, tokensAt };
  }
  const chunks = splitIntoChunks(plan.textTokens, chunkCount);
  if (chunks.length === 0) {
    push([{ text: '' }], true);
    return { payloads, tokensAt };
  }
  chunks.forEach((text, index) => {
    visible += countTokens(text) * plan.candidates;
    const last = index === chunks.length - 1;
    push([last ? { text, thoughtSignature: SIM_SIGNATURE } : { text }], last);
  });
  return { payloads, tokensAt };
}

export function geminiError(status: number, message: string, retryAfter?: number, reason?: string): Json {
  const statusName: Record<number, string> = {
    400: 'INVALID_ARGUMENT',
    403: 'PERMISSION_DENIED',
    404: 'NOT_FOUND',
    429: 'RESOURCE_EXHAUSTED',
    500: 'INTERNAL',
    503: 'UNAVAILABLE',
    504: 'DEADLINE_EXCEEDED',
  };
  const details: Json[] = [];
  if (reason) details.push({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com' });
  if (status === 429) details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfter ?? 2}s` });
  return { error: { code: status, message, status: statusName[status] ?? 'UNKNOWN', ...(details.length ? { details } : {}) } };
}
