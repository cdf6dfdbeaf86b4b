/** The upstream called with no gateway in between: the baseline every added latency is measured against. */
import { chatBody } from '../lib/request-spec.ts';
import type { RunningTarget, StartContext, TargetDefinition } from './target.ts';

const GEMINI_MODEL_PATH = '/v1beta/models/gemini-3.5-flash';
const GEMINI_BODY = JSON.stringify({
  contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
  generationConfig: { maxOutputTokens: 16 },
});

export const directOpenAi: TargetDefinition = {
  name: 'upstream direct (OpenAI format)',
  format: 'openai',
  isDirect: true,
  unavailable: () => undefined,
  start: (context: StartContext): Promise<RunningTarget> =>
    Promise.resolve({
      pid: undefined,
      streamEndMarker: '[DONE]',
      request: (stream: boolean) => ({
        url: `${context.upstreamOrigin}/v1/chat/completions`,
        headers: { authorization: 'Bearer x' },
        body: chatBody('bench', stream),
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
      streamEndMarker: 'STOP',
      request: (stream: boolean) => ({
        url: stream
          ? `${context.upstreamOrigin}${GEMINI_MODEL_PATH}:streamGenerateContent?alt=sse`
          : `${context.upstreamOrigin}${GEMINI_MODEL_PATH}:generateContent`,
        headers: { 'x-goog-api-key': 'x' },
        body: GEMINI_BODY,
      }),
      stop: () => Promise.resolve(),
    }),
};
