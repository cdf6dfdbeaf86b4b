/**
 * The fixed answers of the fake upstreams, in the OpenAI and Gemini wire formats. The light upstream and
 * the static nginx upstream serve exactly these bytes, so every system under test sees the same upstream.
 */

const CREATED = 1_700_000_000;
const WORD = 'bench ';

export const OPENAI_COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: CREATED,
  model: 'bench',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: WORD.repeat(16).trim() },
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 8, completion_tokens: 16, total_tokens: 24 },
});

export const GEMINI_COMPLETION = JSON.stringify({
  candidates: [
    {
      content: { role: 'model', parts: [{ text: WORD.repeat(16).trim() }] },
      finishReason: 'STOP',
      index: 0,
    },
  ],
  usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 16, totalTokenCount: 24 },
  modelVersion: 'gemini-3.5-flash',
  responseId: 'bench',
});

export function openAiChunk(index: number, last: boolean): string {
  return JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: CREATED,
    model: 'bench',
    choices: [
      {
        index: 0,
        delta: index === 0 ? { role: 'assistant', content: WORD } : { content: WORD },
        finish_reason: last ? 'stop' : null,
      },
    ],
  });
}

export function openAiUsageChunk(chunks: number): string {
  return JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: CREATED,
    model: 'bench',
    choices: [],
    usage: { prompt_tokens: 8, completion_tokens: chunks, total_tokens: 8 + chunks },
  });
}

export function geminiChunk(index: number, chunks: number): string {
  const last = index === chunks - 1;
  return JSON.stringify({
    candidates: [
      {
        content: { role: 'model', parts: [{ text: WORD }] },
        ...(last ? { finishReason: 'STOP' } : {}),
        index: 0,
      },
    ],
    usageMetadata: { promptTokenCount: 8, candidatesTokenCount: index + 1, totalTokenCount: 9 + index },
    modelVersion: 'gemini-3.5-flash',
    responseId: 'bench',
  });
}
