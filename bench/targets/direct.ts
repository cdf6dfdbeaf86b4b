/** The upstream called with no gateway in between: the baseline every added latency is measured against. */
import { DEFAULT_MAX_TOKENS, chatBody } from '../lib/request-spec.ts';
import type { RunningTarget, StartContext, TargetDefinition } from './target.ts';

const GEMINI_MODEL_PATH = '/v1beta/models/gemini-3.5-flash';
function geminiBody(maxTokens: number): string {
  return JSON.stringify({
    contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
    generationConfig: { maxOutputTokens: maxTokens },
  });
}

export const directOpenAi: TargetDefinition = {
  name: 'upstream direct (OpenAI format)',
  format: 'openai',
  isDirect: true,
  unavailable: () => undefined,
  start: (context: StartContext): Promise<RunningTarget> =>
    Promise.resolve({
      pid: undefined,
      streamEndMarker: '[DONE]',
      request: (stream: boolean, maxTokens?: number) => ({
        url: `${context.upstreamOrigin}/v1/chat/completions`,
        headers: { authorization: 'Bearer x' },
        body: chatBody('bench', stream, maxTokens),
      }),
      stop: () => Promise.resolve(),
    }),
};

export const directGemini: TargetDefinition = {
  name: 'upstream direct (Gemini format)',
  format: 'gemini',
  isDirect: true,
  unavailable: () => undefined,
  start: (context: StartContext): Promise<RunningTarget> =>
    Promise.resolve({
      pid: undefined,
      // Gemini streams end with a chunk carrying the finish reason (STOP or MAX_TOKENS).
      streamEndMarker: 'finishReason',
      request: (stream: boolean, maxTokens = DEFAULT_MAX_TOKENS) => ({
        url: stream
          ? `${context.upstreamOrigin}${GEMINI_MODEL_PATH}:streamGenerateContent?alt=sse`
          : `${context.upstreamOrigin}${GEMINI_MODEL_PATH}:generateContent`,
        headers: { 'x-goog-api-key': 'x' },
        body: geminiBody(maxTokens),
      }),
      stop: () => Promise.resolve(),
    }),
};
