/**
 * The `gemini` provider: Gemini's native `generateContent` / `streamGenerateContent?alt=sse` over one
 * keep-alive undici pool. The API key travels only in the `x-goog-api-key` header, never in the URL,
 * because query strings end up in logs (gemini-mapping.md §1). Translation lives in the convert-* and
 * stream-transform modules; this file only moves bytes and checks statuses. Where the model lives and
 * how a call authenticates is the endpoint's business (AI Studio here; Vertex AI in providers/vertex),
 * and which key a call uses is the key pool's (routing/key-pool.ts, shared/pooled-call.ts).
 */
import { KeyPool, type KeyLease } from '../../routing/key-pool.ts';
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
  readBodyText,
  UpstreamClient,
  type Timeouts,
  type UpstreamResponse,
} from '../shared/upstream-client.ts';
import { parseSseData } from '../shared/sse-parser.ts';
import { convertRequest } from './convert-request.ts';
import { convertResponse } from './convert-response.ts';
import { geminiErrorFromResponse } from './errors.ts';
import { GuardedFetcher, type GuardedFetchOptions, type MediaFetcher } from './guarded-fetch.ts';
import { MediaBudget } from '../shared/media-budget.ts';
import { chargeRequestMedia } from '../shared/request-media.ts';
import { DEFAULT_HARDENING, type MediaLimits } from '../../config/hardening.ts';
import { parseGeminiJson } from './parse-response.ts';
import { transformGeminiStream } from './stream-transform.ts';
import { nativeGeminiBody, nativeGeminiStream } from './native-passthrough.ts';
import { embedCalls, parseEmbedAnswer } from './embed.ts';

/** An embedding answer may be large (100 vectors of 3,072 numbers in JSON is about 7 MB). */
const MAX_EMBED_RESPONSE_BYTES = 128 * 1024 * 1024;

export interface GeminiProviderOptions {
  name: string;
  /** e.g. `https://generativelanguage.googleapis.com/v1beta` */
  baseUrl: string;
  /** One key; ignored when `keys` is given. */
  apiKey?: string;
  /** The provider's key pool (shared with the registry, which shows its state). */
  keys?: KeyPool;
  /** Where models live and how a call authenticates; default: AI Studio with `x-goog-api-key`. */
  endpoint?: GeminiEndpoint;
  timeouts?: Partial<Timeouts>;
  /** Replaces the guarded downloader for http(s) media URLs (tests, or an operator's own proxy). */
  fetchImage?: MediaFetcher;
  /** Options of the default guarded downloader. */
  mediaFetch?: GuardedFetchOptions;
  /** What one request may download (`server.media`); each request gets its own budget. */
  media?: MediaLimits;
}

const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'x-goog-api-key',
  'authorization',
  'content-type',
  'content-length',
  'transfer-encoding',
  'host',
  'accept',
  'connection',
]);

/** Ids with a `/` (`models/x`, `tunedModels/x`) are paths already; bare ids live under `models/`. */
export function modelPath(model: string): string {
  const path = model.includes('/') ? model : `models/${model}`;
  return path.split('/').map(encodeURIComponent).join('/');
}

/** Where a Gemini-dialect upstream keeps its models and how one call proves who it is. */
export interface GeminiEndpoint {
  /** The path under the base URL for a model (e.g. `/models/x`), without the `:method`. */
  modelPath(model: string): string;
  /** The credential headers for one call made with `key` (the only place a secret is placed). */
  credentialHeaders(key: KeyLease): Record<string, string> | Promise<Record<string, string>>;
  /** Fields the endpoint adds to every request body (Vertex `labels`). */
  readonly bodyExtras?: Readonly<Record<string, unknown>>;
  /** Stop whatever the endpoint keeps running (a token refresh timer). */
  close?(): void;
}

/** AI Studio: `/models/{id}`, the key in `x-goog-api-key`. */
export const AI_STUDIO_ENDPOINT: GeminiEndpoint = Object.freeze({
  modelPath: (model: string) => `/${modelPath(model)}`,
  credentialHeaders: (key: KeyLease) => ({ 'x-goog-api-key': key.secret }),
});

/** Drop `undefined` entries so they cannot override the client's defaults when spread. */
function definedTimeouts(timeouts: Partial<Timeouts> | undefined): Partial<Timeouts> | undefined {
  if (timeouts === undefined) return undefined;
  return Object.fromEntries(Object.entries(timeouts).filter(([, value]) => value !== undefined));
}

export class GeminiProvider implements Provider {
  readonly name: string;
  readonly type = 'gemini' as const;
  readonly #client: UpstreamClient;
  readonly #keys: KeyPool;
  readonly #endpoint: GeminiEndpoint;
  readonly #fetcher: GuardedFetcher | undefined;
  readonly #fetchMedia: MediaFetcher;
  readonly #media: MediaLimits;

  constructor(options: GeminiProviderOptions) {
    this.name = options.name;
    this.#media = options.media ?? DEFAULT_HARDENING.media;
    this.#keys =
      options.keys ??
      new KeyPool(options.name, [{ label: 'key-1', secret: options.apiKey ?? '', weight: 1 }]);
    this.#endpoint = options.endpoint ?? AI_STUDIO_ENDPOINT;
    this.#client = new UpstreamClient(options.baseUrl, { timeouts: definedTimeouts(options.timeouts) });
    if (options.fetchImage !== undefined) {
      this.#fetchMedia = options.fetchImage;
    } else {
      this.#fetcher = new GuardedFetcher(options.mediaFetch);
      this.#fetchMedia = this.#fetcher.fetch;
    }
  }

  async complete(input: ProviderRequest): Promise<CompletionResult & ServedByKey> {
    const { response, credential } = await this.#post(input, ':generateContent');
    const text = await readBodyText(response.body, this.#client.maxResponseBytes, input.signal);
    const converted = convertResponse(parseGeminiJson(text, response.status), {
      wav: input.request.audio?.format === 'wav',
    });
    if (input.native?.dialect === 'gemini') {
      return { ...converted, usageEstimated: false, credential, native: JSON.parse(text) as unknown };
    }
    return { ...converted, usageEstimated: false, credential };
  }

  async stream(input: ProviderRequest): Promise<AsyncIterable<StreamEvent> & ServedByKey> {
    const { response, credential } = await this.#post(input, ':streamGenerateContent?alt=sse');
    const payloads = parseSseData(response.body, input.signal);
    const events =
      input.native?.dialect === 'gemini' ? nativeGeminiStream(payloads) : transformGeminiStream(payloads);
    return Object.assign(events, { credential });
  }

  /**
   * Embeddings (embed.ts): `:embedContent` for one input, `:batchEmbedContents` slices for several. The
   * reported tokens are summed; if any slice reported none, the total is unknown (the exchange estimates).
   */
  async embed(input: EmbedProviderRequest): Promise<EmbedResult & ServedByKey> {
    const vectors: number[][] = [];
    let promptTokens: number | undefined = 0;
    let credential: string | undefined;
    for (const call of embedCalls(input.upstreamModel, input.request)) {
      const path = `${this.#endpoint.modelPath(input.upstreamModel)}${call.method}`;
      const body = JSON.stringify(call.body);
      const sent = await callWithPool(this.#keys, input, async (key) => {
        const headers = { ...this.#headers(input), ...(await this.#endpoint.credentialHeaders(key)) };
        const response = await this.#client.post(path, body, headers, input.signal, input.timeouts);
        const text = await readBodyText(response.body, MAX_EMBED_RESPONSE_BYTES, input.signal);
        if (response.status < 200 || response.status >= 300) {
          throw geminiErrorFromResponse(response.status, text, response.headers);
        }
        return parseEmbedAnswer(text, response.status, call.count);
      });
      credential = sent.credential;
      vectors.push(...sent.value.vectors);
      promptTokens =
        promptTokens === undefined || sent.value.promptTokens === undefined
          ? undefined
          : promptTokens + sent.value.promptTokens;
    }
    return { vectors, promptTokens, credential };
  }

  /**
   * Translate once, then send with a key from the pool until one is accepted. Only an answer with a
   * success status comes back: errors (JSON bodies, even under an event-stream content type) are read
   * and mapped here, so the pool sees a rate-limited or refused key and can move to the next.
   */
  async #post(
    input: PooledProviderRequest,
    method: string,
  ): Promise<{ response: UpstreamResponse; credential: string }> {
    const budget = new MediaBudget(this.#media);
    chargeRequestMedia(input.request, budget);
    const extras = this.#endpoint.bodyExtras;
    // A request from the Gemini-native door goes as the client wrote it (native-passthrough.ts).
    let payload = nativeGeminiBody(input, extras);
    if (payload === undefined) {
      const converted = await convertRequest(input, {
        fetchMedia: (url, signal) => this.#fetchMedia(url, signal, budget),
      });
      payload = extras ? { ...converted, ...extras } : { ...converted };
    }
    const body = JSON.stringify(payload);
    const path = `${this.#endpoint.modelPath(input.upstreamModel)}${method}`;
    const { value, credential } = await callWithPool(this.#keys, input, async (key) => {
      const headers = { ...this.#headers(input), ...(await this.#endpoint.credentialHeaders(key)) };
      const response = await this.#client.post(path, body, headers, input.signal, input.timeouts);
      if (response.status >= 200 && response.status < 300) return response;
      const limit = method.includes('stream') ? 1024 * 1024 : this.#client.maxResponseBytes;
      const text = await readBodyText(response.body, limit, input.signal);
      throw geminiErrorFromResponse(response.status, text, response.headers);
    });
    return { response: value, credential };
  }

  /** The pipeline's extra headers as given, except any that could replace the key or the framing. */
  #headers(input: Pick<ProviderRequest, 'requestId' | 'headers'>): Record<string, string> {
    const headers: Record<string, string> = { 'x-portico-request-id': input.requestId };
    for (const [name, value] of Object.entries(input.headers ?? {})) {
      const lower = name.toLowerCase();
      if (!RESERVED_HEADERS.has(lower)) headers[lower] = value;
    }
    return headers;
  }

  async close(): Promise<void> {
    this.#endpoint.close?.();
    await Promise.all([this.#client.close(), this.#fetcher?.close()]);
  }
}
