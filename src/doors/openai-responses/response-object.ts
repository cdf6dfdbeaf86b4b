/**
 * The `response` object and its output items, shaped as OpenAI's Responses API sends them: the echo of
 * the request's settings, `output` items (`reasoning`, `message` with `output_text`, `function_call`,
 * `image_generation_call`), `usage`, and `status` / `incomplete_details` from the finish reason.
 * The JSON answer and the stream's events are built from the same item builders.
 */
import type { FinishReason, TokenCounts, TokenLogprob, UrlCitation } from '../../openai/response.ts';
import { isObject, type JsonObject } from './fields.ts';
import { reasoningToken } from './reasoning-token.ts';

/** What the encoder needs from the (already decoded, so valid) Responses request. */
export interface RequestView {
  readonly echo: JsonObject;
  readonly summaries: boolean;
  readonly encryptedReasoning: boolean;
}

function or<T>(value: T | undefined, fallback: unknown): unknown {
  return value === undefined ? fallback : value;
}

function echoTools(tools: unknown): unknown[] {
  if (!Array.isArray(tools)) return [];
  return tools.map((tool: JsonObject) =>
    tool.type === 'function'
      ? {
          type: 'function',
          name: tool.name,
          description: or(tool.description, null),
          parameters: or(tool.parameters, null),
          strict: or(tool.strict, null),
        }
      : tool,
  );
}

export function requestView(raw: unknown): RequestView {
  const body = isObject(raw) ? raw : {};
  const reasoning = isObject(body.reasoning) ? body.reasoning : {};
  const text = isObject(body.text) ? body.text : {};
  const include = Array.isArray(body.include) ? body.include : [];
  const summary = reasoning.summary ?? reasoning.generate_summary ?? null;
  return {
    summaries: summary !== null,
    encryptedReasoning: include.includes('reasoning.encrypted_content'),
    echo: {
      instructions: or(body.instructions, null),
      max_output_tokens: or(body.max_output_tokens, null),
      max_tool_calls: null,
      parallel_tool_calls: or(body.parallel_tool_calls, true),
      previous_response_id: null,
      prompt_cache_key: or(body.prompt_cache_key, null),
      reasoning: { effort: or(reasoning.effort, null), summary },
      safety_identifier: or(body.safety_identifier, null),
      service_tier: or(body.service_tier, 'default'),
      store: false,
      temperature: or(body.temperature, null),
      text: { format: or(text.format, { type: 'text' }), verbosity: or(text.verbosity, null) },
      tool_choice: or(body.tool_choice, 'auto'),
      tools: echoTools(body.tools),
      top_logprobs: or(body.top_logprobs, 0),
      top_p: or(body.top_p, null),
      truncation: 'disabled',
      user: or(body.user, null),
      metadata: or(body.metadata, {}),
    },
  };
}

/** Item ids derive from the response's, so one response's ids sort together. */
export class ItemIds {
  readonly response: string;
  readonly #base: string;
  #next = 0;

  constructor(requestId: string) {
    this.#base = requestId.replace(/^req_/, '');
    this.response = `resp_${this.#base}`;
  }

  next(prefix: 'msg' | 'rs' | 'fc' | 'ig'): string {
    return `${prefix}_${this.#base}${(this.#next++).toString(36).padStart(2, '0')}`;
  }
}

export type ResponseStatus = 'completed' | 'incomplete' | 'failed' | 'in_progress';

/** The finish reason -> `status` and `incomplete_details` (OpenAI's reasons: max_output_tokens, content_filter). */
export function statusOf(finish: FinishReason | null | undefined): {
  status: ResponseStatus;
  incomplete_details: { reason: string } | null;
} {
  switch (finish) {
    case 'length':
      return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
    case 'content_filter':
      return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
    case 'stop':
    case 'tool_calls':
    case 'function_call':
    case null:
    case undefined:
      return { status: 'completed', incomplete_details: null };
    default: {
      const unhandled: never = finish;
      return unhandled;
    }
  }
}

export function usageOf(counts: TokenCounts, costMicros: number): JsonObject {
  return {
    input_tokens: counts.prompt,
    input_tokens_details: { cached_tokens: counts.cachedPrompt },
    output_tokens: counts.completion,
    output_tokens_details: { reasoning_tokens: counts.reasoning },
    total_tokens: counts.total,
    /** Portico extension, as on the chat door: what this response cost, in USD. */
    cost: costMicros / 1_000_000,
  };
}

export interface ResponseFrame {
  readonly ids: ItemIds;
  readonly view: RequestView;
  readonly model: string;
  readonly createdAt: number;
}

export function responseObject(
  frame: ResponseFrame,
  fields: {
    status: ResponseStatus;
    output: unknown[];
    usage: JsonObject | null;
    incomplete_details?: { reason: string } | null;
    error?: { code: string; message: string } | null;
  },
): JsonObject {
  const { echo } = frame.view;
  return {
    id: frame.ids.response,
    object: 'response',
    created_at: frame.createdAt,
    status: fields.status,
    background: false,
    error: fields.error ?? null,
    incomplete_details: fields.incomplete_details ?? null,
    instructions: echo.instructions,
    max_output_tokens: echo.max_output_tokens,
    max_tool_calls: echo.max_tool_calls,
    model: frame.model,
    output: fields.output,
    parallel_tool_calls: echo.parallel_tool_calls,
    previous_response_id: echo.previous_response_id,
    prompt_cache_key: echo.prompt_cache_key,
    reasoning: echo.reasoning,
    safety_identifier: echo.safety_identifier,
    service_tier: echo.service_tier,
    store: echo.store,
    temperature: echo.temperature,
    text: echo.text,
    tool_choice: echo.tool_choice,
    tools: echo.tools,
    top_logprobs: echo.top_logprobs,
    top_p: echo.top_p,
    truncation: echo.truncation,
    usage: fields.usage,
    user: echo.user,
    metadata: echo.metadata,
  };
}

export function reasoningItem(id: string, text: string, view: RequestView, done: boolean): JsonObject {
  const item: JsonObject = {
    id,
    type: 'reasoning',
    summary: done && view.summaries && text !== '' ? [{ type: 'summary_text', text }] : [],
  };
  if (view.encryptedReasoning) item.encrypted_content = done ? reasoningToken(text) : null;
  return item;
}

/** Canonical (chat-style) citation -> the Responses `url_citation` annotation. */
export function annotationOf(citation: UrlCitation): JsonObject {
  const { url, title, start_index, end_index } = citation.url_citation;
  return { type: 'url_citation', start_index, end_index, title, url };
}

/** Chat-style token logprobs -> the Responses `logprobs` entries of an `output_text` part. */
export function logprobsOf(tokens: readonly TokenLogprob[] | null | undefined): JsonObject[] {
  if (!tokens) return [];
  return tokens.map((token) => ({
    token: token.token,
    logprob: token.logprob,
    bytes: token.bytes ?? [],
    top_logprobs: token.top_logprobs.map((top) => ({
      token: top.token,
      logprob: top.logprob,
      bytes: top.bytes ?? [],
    })),
  }));
}

export function outputText(text: string, annotations: JsonObject[], logprobs: JsonObject[]): JsonObject {
  return { type: 'output_text', annotations, logprobs, text };
}

export function messageItem(id: string, status: ResponseStatus, content: JsonObject[]): JsonObject {
  return { id, type: 'message', status, content, role: 'assistant' };
}

export function functionCallItem(
  id: string,
  status: ResponseStatus,
  call: { callId: string; name: string; arguments: string },
): JsonObject {
  return {
    id,
    type: 'function_call',
    status,
    arguments: call.arguments,
    call_id: call.callId,
    name: call.name,
  };
}

/** A generated image (a `data:` URL in the canonical answer) -> an `image_generation_call` item. */
export function imageItem(id: string, dataUrl: string): JsonObject {
  const comma = dataUrl.indexOf(',');
  return {
    id,
    type: 'image_generation_call',
    status: 'completed',
    result: dataUrl.startsWith('data:') && comma >= 0 ? dataUrl.slice(comma + 1) : dataUrl,
  };
}
