/**
 * Any OpenAI-compatible upstream: OpenAI, vLLM, Ollama, llama.cpp, Gemini's own OpenAI endpoint.
 * `POST {base_url}/chat/completions` over one keep-alive undici pool per provider; the upstream key
 * travels only as `Authorization: Bearer` to that pool's origin. Which key a call uses is the key
 * pool's business (routing/key-pool.ts, shared/pooled-call.ts).
 */
import { KeyPool } from '../../routing/key-pool.ts';
import type {
  CompletionResult,
  EmbedProviderRequest,
  EmbedResult,
  Provider,
  ProviderRequest,
  StreamEvent,
} from '../provider.ts';
import { callWithPool, type PooledProviderRequest, type ServedByKey } from '../shared/pooled-call.ts';
import {
  UpstreamClient,
  readBodyText,
  type Timeouts,
  type UpstreamResponse,
} from '../shared/upstream-client.ts';
import { UpstreamError } from '../shared/upstream-error.ts';
import { GuardedFetcher, type GuardedFetchOptions } from '../shared/guarded-fetch.ts';
import { inlineRemoteMedia } from '../shared/inline-remote-media.ts';
import { MediaBudget } from '../shared/media-budget.ts';
import { chargeRequestMedia } from '../shared/request-media.ts';
import { DEFAULT_HARDENING, type MediaLimits } from '../../config/hardening.ts';
import { parseSseData } from '../shared/sse-parser.ts';
import { completionAsEvents } from './completion-as-events.ts';
import { buildUpstreamBody } from './convert-request.ts';
import { convertCompletion } from './convert-response.ts';
import { estimateCompletionCounts } from './convert-usage.ts';
import { transformStream } from './stream-transform.ts';
import { MAX_ERROR_BODY_BYTES, protocolError, statusError } from './upstream-errors.ts';
import { embeddingsBody, parseEmbeddings } from './embed.ts';

/** Embedding answers are large: 2,048 vectors of 1,536 numbers in JSON is about 60 MB. */
const MAX_EMBED_RESPONSE_BYTES = 128 * 1024 * 1024;

export interface OpenAICompatibleProviderOptions {
  name: string;
  /** Up to and including the version segment, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`; omitted when empty (local servers without auth). */
  apiKey?: string;
  /** The provider's key pool; replaces `apiKey` when given. An empty key sends no authorization. */
  keys?: KeyPool;
  timeouts?: Partial<Timeouts>;
  /** Send the output cap as `max_tokens` as well (older servers); see convert-request.ts. */
  legacyMaxTokens?: boolean;
  connections?: number;
  /** What one request may download (`server.media`); remote media URLs are fetched and inlined. */
  media?: MediaLimits;
  /** Tests only: the guarded fetcher's options (e.g. a loopback media server). */
  mediaFetch?: GuardedFetchOptions;
}

/** Headers a caller may not set: credentials and framing belong to the provider and undici. */
const RESERVED_HEADERS = new Set(['authorization', 'host', 'content-length', 'content-type', 'connection']);

export class OpenAICompatibleProvider implements Provider {
  readonly name: string;
  readonly type = 'openai' as const;
  readonly #client: UpstreamClient;
  readonly #keys: KeyPool;
  readonly #legacyMaxTokens: boolean;
  readonly #media: MediaLimits;
  readonly #fetcher: GuardedFetcher;

  constructor(options: OpenAICompatibleProviderOptions) {
    this.name = options.name;
    this.#client = new UpstreamClient(options.baseUrl, {
      timeouts: options.timeouts,
      connections: options.connections,
    });
    this.#keys =
      options.keys ??
      new KeyPool(options.name, [{ label: 'key-1', secret: options.apiKey ?? '', weight: 1 }]);
    this.#legacyMaxTokens = options.legacyMaxTokens ?? false;
    this.#media = options.media ?? DEFAULT_HARDENING.media;
    this.#fetcher = new GuardedFetcher(options.mediaFetch);
  }

  async complete(input: ProviderRequest): Promise<CompletionResult & ServedByKey> {
    const { response, credential } = await this.#send(input, false);
    const text = await readBodyText(response.body, this.#client.maxResponseBytes, input.signal);
    const completion = convertCompletion(parseJson(text));
    if (completion.counts) {
      return {
        choices: completion.choices,
        counts: completion.counts,
        usageEstimated: false,
        upstreamId: completion.upstreamId,
        credential,
      };
    }
    return {
      choices: completion.choices,
      counts: estimateCompletionCounts(completion.choices),
      usageEstimated: true,
      upstreamId: completion.upstreamId,
      credential,
    };
  }

  async stream(input: ProviderRequest): Promise<AsyncIterable<StreamEvent> & ServedByKey> {
    const { response, credential } = await this.#send(input, true);
    const contentType = String(response.headers['content-type'] ?? '');
    if (contentType.includes('application/json')) {
      const text = await readBodyText(response.body, this.#client.maxResponseBytes, input.signal);
      const answer = toAsyncIterable(completionAsEvents(convertCompletion(parseJson(text))));
      return Object.assign(answer, { credential });
    }
    return Object.assign(events(response.body, input.signal), { credential });
  }

  /** `POST {base_url}/embeddings` (embed.ts): float vectors up, the client's encoding applied by the door. */
  async embed(input: EmbedProviderRequest): Promise<EmbedResult & ServedByKey> {
    const body = embeddingsBody(input.upstreamModel, input.request);
    const expected = input.request.inputs.length;
    const { value, credential } = await callWithPool(this.#keys, input, async (key) => {
      const headers = this.#headers(input);
      if (key.secret !== '') headers.authorization = `Bearer ${key.secret}`;
      const response = await this.#client.post('/embeddings', body, headers, input.signal, input.timeouts);
      if (response.status < 200 || response.status >= 300) {
        throw statusError(response.status, response.headers, await readErrorBody(response, input.signal));
      }
      const text = await readBodyText(response.body, MAX_EMBED_RESPONSE_BYTES, input.signal);
      return parseEmbeddings(text, expected);
    });
    return { ...value, credential };
  }

  async close(): Promise<void> {
    await Promise.all([this.#client.close(), this.#fetcher.close()]);
  }

  /** Send with a key from the pool until one is accepted; only a success status comes back. */
  async #send(
    input: PooledProviderRequest,
    stream: boolean,
  ): Promise<{ response: UpstreamResponse; credential: string }> {
    // No remote URL reaches the upstream: it would fetch it from inside the operator's network.
    const budget = new MediaBudget(this.#media);
    chargeRequestMedia(input.request, budget);
    const request = await inlineRemoteMedia(input.request, this.#fetcher.fetch, input.signal, budget);
    const body = buildUpstreamBody({ ...input, request }, stream, { legacyMaxTokens: this.#legacyMaxTokens });
    const { value, credential } = await callWithPool(this.#keys, input, async (key) => {
      const headers = this.#headers(input);
      if (key.secret !== '') headers.authorization = `Bearer ${key.secret}`;
      const response = await this.#client.post(
        '/chat/completions',
        body,
        headers,
        input.signal,
        input.timeouts,
      );
      if (response.status >= 200 && response.status < 300) return response;
      throw statusError(response.status, response.headers, await readErrorBody(response, input.signal));
    });
    return { response: value, credential };
  }

  #headers(input: Pick<ProviderRequest, 'requestId' | 'headers'>): Record<string, string> {
    const headers: Record<string, string> = { 'x-portico-request-id': input.requestId };
    for (const [name, value] of Object.entries(input.headers ?? {})) {
      const lower = name.toLowerCase();
      if (!RESERVED_HEADERS.has(lower)) headers[lower] = value;
    }
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
