/**
 * What the simulator will answer, decided once from the request: the same plan drives the JSON answer,
 * the stream and the usage, so the usage always equals what was generated (capped by the request's
 * maximum output, thinking included, as on Gemini).
 */
import { countTokens, generateTokens, hashText } from './text.ts';

export interface SimRequest {
  protocol: 'openai' | 'gemini';
  model: string;
  stream: boolean;
  promptText: string;
  mediaParts: number;
  maxTokens: number | null;
  thinking: boolean;
  includeThoughts: boolean;
  toolName: string | null;
  toolArgs: Record<string, unknown>;
  lastIsToolResult: boolean;
  candidates: number;
  cachedTokens: number;
}

export interface Plan {
  promptTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  textTokens: string[];
  thoughtTokens: string[];
  toolCall: { name: string; args: Record<string, unknown> } | null;
  finish: 'stop' | 'length';
  candidates: number;
}

const DEFAULT_OUTPUT = 30;
const MEDIA_PART_TOKENS = 258;

export function makePlan(request: SimRequest, forceToolCall: boolean): Plan {
  const seed = hashText(request.promptText);
  const cap = request.maxTokens ?? Infinity;
  const reasoning = request.thinking ? Math.min(24, Math.floor(cap / 2)) : 0;
  const wantsTool = request.toolName !== null && !request.lastIsToolResult && (forceToolCall || /weather/i.test(request.promptText));
  const available = Math.max(0, cap - reasoning);
  const textCount = wantsTool ? 0 : Math.min(DEFAULT_OUTPUT, available);
  const promptTokens = countTokens(request.promptText) + request.mediaParts * MEDIA_PART_TOKENS + 3;
  return {
    promptTokens,
    cachedTokens: Math.min(request.cachedTokens, promptTokens),
    reasoningTokens: reasoning,
    textTokens: generateTokens(seed, textCount),
    thoughtTokens: request.includeThoughts ? generateTokens(seed ^ 0x5a5a, reasoning) : [],
    toolCall: wantsTool && request.toolName ? { name: request.toolName, args: request.toolArgs } : null,
    finish: !wantsTool && textCount < DEFAULT_OUTPUT ? 'length' : 'stop',
    candidates: request.candidates,
  };
}

/** Arguments that satisfy a JSON schema's required string/number/boolean properties. */
export function argsFor(schema: unknown): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (!schema || typeof schema !== 'object') return result;
  const { properties, required } = schema as { properties?: Record<string, { type?: string }>; required?: string[] };
  for (const name of required ?? []) {
    const type = properties?.[name]?.type;
    result[name] = type === 'number' || type === 'integer' ? 1 : type === 'boolean' ? true : 'Paris';
  }
  return result;
}
