/** The response side of the contract, shaped exactly as the seed's `ChatCompletionResponse`. */

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'function_call';

export interface ResponseToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** OpenAI's web-search citation: the cited span of `content` as [start_index, end_index) in characters. */
export interface UrlCitation {
  type: 'url_citation';
  url_citation: { url: string; title: string; start_index: number; end_index: number };
}

/** A generated image, OpenRouter-style: a `data:` URL. */
export interface ImageOutput {
  type: 'image_url';
  image_url: { url: string };
}

/** Generated speech, as OpenAI's audio output: base64 data and its transcript. */
export interface AudioOutputMessage {
  id: string;
  data: string;
  transcript: string;
  expires_at: number;
  /** Portico extension: the MIME type of `data` (Gemini TTS gives raw PCM, `audio/L16;rate=24000`). */
  mime_type?: string;
}

export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] | null }>;
}

export interface ChoiceLogprobs {
  content: TokenLogprob[] | null;
  refusal: null;
}

export interface AssistantResponseMessage {
  role: 'assistant';
  content: string | null;
  /** Thinking text (Gemini thought summaries); never mixed into `content`. */
  reasoning_content?: string;
  tool_calls?: ResponseToolCall[];
  refusal?: null;
  annotations?: UrlCitation[];
  images?: ImageOutput[];
  audio?: AudioOutputMessage;
}

/**
 * Portico extensions on a choice (JSON and stream chunks): the upstream's own finish reason and message
 * (e.g. Gemini's MALFORMED_FUNCTION_CALL, which maps to `stop`), and Gemini's raw grounding metadata.
 */
export interface ChoiceExtensions {
  native_finish_reason?: string;
  finish_message?: string;
  grounding_metadata?: unknown;
}

export interface Choice extends ChoiceExtensions {
  index: number;
  message: AssistantResponseMessage;
  finish_reason: FinishReason | null;
  /** `ChoiceLogprobs` from Gemini; passed through as the upstream sent it from OpenAI-compatible ones. */
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
  completion_tokens_details: {
    text_tokens: number;
    audio_tokens: number;
    reasoning_tokens: number;
    image_tokens?: number;
  };
  /** Portico extension: requests grounded with Google Search / Maps, billed per request. */
  grounded_requests?: number;
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
  annotations?: UrlCitation[];
  images?: ImageOutput[];
  audio?: Partial<AudioOutputMessage>;
}

export interface ChunkChoice extends ChoiceExtensions {
  index: number;
  delta: ChunkDelta;
  finish_reason: FinishReason | null;
  /** `ChoiceLogprobs` from Gemini; passed through as the upstream sent it from OpenAI-compatible ones. */
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
  /** Generated image tokens (Gemini image models), billed at the model's `output_image` price. */
  completionImage?: number;
  reasoning: number;
  total: number;
  /** Grounded requests (Google Search / Maps) in this answer: 0 or 1, billed per request. */
  groundedRequests?: number;
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
      ...(counts.completionImage ? { image_tokens: counts.completionImage } : {}),
    },
    ...(counts.groundedRequests ? { grounded_requests: counts.groundedRequests } : {}),
    input_tokens: counts.prompt,
    output_tokens: counts.completion,
    input_tokens_details: { ...promptDetails },
  };
}
