/**
 * Any OpenAI-compatible upstream: OpenAI, vLLM, Ollama, llama.cpp, Gemini's own OpenAI endpoint.
 * `POST {base_url}/chat/completions` over one keep-alive undici pool per provider; the upstream key
 * travels only as `Authorization: Bearer` to that pool's origin.
 */
import type { CompletionResult, Provider, ProviderRequest, StreamEvent } from '../provider.ts';
import {
  UpstreamClient,
  readBodyText,
  type Timeouts,
  type UpstreamResponse,
} from '../shared/upstream-client.ts';
import { UpstreamError } from '../shared/upstream-error.ts';
import { parseSseData } from '../shared/sse-parser.ts';
import { completionAsEvents } from './completion-as-events.ts';
import { buildUpstreamBody } from './convert-request.ts';
import { convertCompletion } from './convert-response.ts';
import { estimateCompletionCounts } from './convert-usage.ts';
import { transformStream } from './stream-transform.ts';
import { MAX_ERROR_BODY_BYTES, protocolError, statusError } from './upstream-errors.ts';

export interface OpenAICompatibleProviderOptions {
  name: string;
  /** Up to and including the version segment, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`; omitted when empty (local servers without auth). */
  apiKey?: string;
  timeouts?: Partial<Timeouts>;
  /** Send the output cap as `max_tokens` as well (older servers); see convert-request.ts. */
  legacyMaxTokens?: boolean;
  connections?: number;
}

/** Headers a caller may not set: credentials and framing belong to the provider and undici. */
const RESERVED_HEADERS = new Set(['authorization', 'host', 'content-length', 'content-type', 'connection']);

export class OpenAICompatibleProvider implements Provider {
  readonly name: string;
  readonly type = 'openai' as const;
  readonly #client: UpstreamClient;
  readonly #apiKey: string | undefined;
  readonly #legacyMaxTokens: boolean;

  constructor(options: OpenAICompatibleProviderOptions) {
    this.name = options.name;
    this.#client = new UpstreamClient(options.baseUrl, {
      timeouts: options.timeouts,
      connections: options.connections,
    });
    this.#apiKey = options.apiKey === '' ? undefined : options.apiKey;
    this.#legacyMaxTokens = options.legacyMaxTokens ?? false;
  }

  async complete(input: ProviderRequest): Promise<CompletionResult> {
    const response = await this.#send(input, false);
    const text = await readBodyText(response.body, this.#client.maxResponseBytes, input.signal);
    const completion = convertCompletion(parseJson(text));
    if (completion.counts) {
      return {
        choices: completion.choices,
        counts: completion.counts,
        usageEstimated: false,
        upstreamId: completion.upstreamId,
      };
    }
    return {
      choices: completion.choices,
      counts: estimateCompletionCounts(completion.choices),
      usageEstimated: true,
      upstreamId: completion.upstreamId,
    };
  }

  async stream(input: ProviderRequest): Promise<AsyncIterable<StreamEvent>> {
    const response = await this.#send(input, true);
    const contentType = String(response.headers['content-type'] ?? '');
    if (contentType.includes('application/json')) {
      const text = await readBodyText(response.body, this.#client.maxResponseBytes, input.signal);
      return toAsyncIterable(completionAsEvents(convertCompletion(parseJson(text))));
    }
    return events(response.body, input.signal);
  }

  close(): Promise<void> {
    return this.#client.close();
  }

  async #send(input: ProviderRequest, stream: boolean): Promise<UpstreamResponse> {
    const body = buildUpstreamBody(input, stream, { legacyMaxTokens: this.#legacyMaxTokens });
    const response = await this.#client.post(
      '/chat/completions',
      body,
      this.#headers(input),
      input.signal,
      input.timeouts,
    );
    if (response.status >= 200 && response.status < 300) return response;
    throw statusError(response.status, response.headers, await readErrorBody(response, input.signal));
  }

  #headers(input: ProviderRequest): Record<string, string> {
    const headers: Record<string, string> = { 'x-portico-request-id': input.requestId };
    for (const [name, value] of Object.entries(input.headers ?? {})) {
      const lower = name.toLowerCase();
      if (!RESERVED_HEADERS.has(lower)) headers[lower] = value;
    }
    if (this.#apiKey !== undefined) headers.authorization = `Bearer ${this.#apiKey}`;
    return headers;
  }
}

async function* events(body: UpstreamResponse['body'], signal: AbortSignal): AsyncGenerator<StreamEvent> {
  try {
    yield* transformStream(parseSseData(body, signal));
  } finally {
    if (!body.destroyed) body.destroy();
  }
}

/** The error body, bounded; an unreadable or oversized one still yields the status mapping. */
async function readErrorBody(response: UpstreamResponse, signal: AbortSignal): Promise<string> {
  try {
    return await readBodyText(response.body, MAX_ERROR_BODY_BYTES, signal);
  } catch (error) {
    response.body.destroy();
    if (error instanceof UpstreamError && error.kind === 'aborted') throw error;
    return '';
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw protocolError('response body is not valid JSON', error);
  }
}

async function* toAsyncIterable<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}
