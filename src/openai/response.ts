/** The response side of the contract, shaped exactly as the seed's `ChatCompletionResponse`. */

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'function_call';

export interface ResponseToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface AssistantResponseMessage {
  role: 'assistant';
  content: string | null;
  /** Thinking text (Gemini thought summaries); never mixed into `content`. */
  reasoning_content?: string;
  tool_calls?: ResponseToolCall[];
  refusal?: null;
}

export interface Choice {
  index: number;
  message: AssistantResponseMessage;
  finish_reason: FinishReason | null;
  logprobs?: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: {
    cached_tokens: number;
    text_tokens: number;
    audio_tokens: number;
    image_tokens: number;
  };
  completion_tokens_details: { text_tokens: number; audio_tokens: number; reasoning_tokens: number };
  input_tokens: number;
  output_tokens: number;
  input_tokens_details: {
    cached_tokens: number;
    text_tokens: number;
    audio_tokens: number;
    image_tokens: number;
  } | null;
  /** Cost of the request in USD, as OpenRouter reports it (set by billing). */
  cost?: number;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Choice[];
  usage: Usage;
  system_fingerprint?: string | null;
}

export interface ChunkDelta {
  role?: 'assistant';
  content?: string;
  reasoning_content?: string;
  tool_calls?: Array<{
    index: number;
    id?: string;
    type?: 'function';
    function: { name?: string; arguments: string };
  }>;
}

export interface ChunkChoice {
  index: number;
  delta: ChunkDelta;
  finish_reason: FinishReason | null;
  logprobs?: unknown;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: ChunkChoice[];
  usage?: Usage | null;
}

/** Token counts as a provider reports them, before they become the seed's `usage` object. */
export interface TokenCounts {
  prompt: number;
  cachedPrompt: number;
  promptText: number;
  promptAudio: number;
  promptImage: number;
  completion: number;
  completionText: number;
  completionAudio: number;
  reasoning: number;
  total: number;
}

export function emptyTokenCounts(): TokenCounts {
  return {
    prompt: 0,
    cachedPrompt: 0,
    promptText: 0,
    promptAudio: 0,
    promptImage: 0,
    completion: 0,
    completionText: 0,
    completionAudio: 0,
    reasoning: 0,
    total: 0,
  };
}

export function toUsage(counts: TokenCounts): Usage {
  const promptDetails = {
    cached_tokens: counts.cachedPrompt,
    text_tokens: counts.promptText,
    audio_tokens: counts.promptAudio,
    image_tokens: counts.promptImage,
  };
  return {
    prompt_tokens: counts.prompt,
    completion_tokens: counts.completion,
    total_tokens: counts.total,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: {
      text_tokens: counts.completionText,
      audio_tokens: counts.completionAudio,
      reasoning_tokens: counts.reasoning,
    },
    input_tokens: counts.prompt,
    output_tokens: counts.completion,
    input_tokens_details: { ...promptDetails },
  };
}
