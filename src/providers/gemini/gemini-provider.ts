/**
 * The `gemini` provider: Gemini's native `generateContent` / `streamGenerateContent?alt=sse` over one
 * keep-alive undici pool. The API key travels only in the `x-goog-api-key` header, never in the URL,
 * because query strings end up in logs (gemini-mapping.md §1). Translation lives in the convert-* and
 * stream-transform modules; this file only moves bytes and checks statuses.
 */
import type { CompletionResult, Provider, ProviderRequest, StreamEvent } from '../provider.ts';
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
import { parseGeminiJson } from './parse-response.ts';
import { transformGeminiStream } from './stream-transform.ts';

export interface GeminiProviderOptions {
  name: string;
  /** e.g. `https://generativelanguage.googleapis.com/v1beta` */
  baseUrl: string;
  apiKey: string;
  timeouts?: Partial<Timeouts>;
  /** Replaces the guarded downloader for http(s) media URLs (tests, or an operator's own proxy). */
  fetchImage?: MediaFetcher;
  /** Options of the default guarded downloader. */
  mediaFetch?: GuardedFetchOptions;
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

/** Drop `undefined` entries so they cannot override the client's defaults when spread. */
function definedTimeouts(timeouts: Partial<Timeouts> | undefined): Partial<Timeouts> | undefined {
  if (timeouts === undefined) return undefined;
  return Object.fromEntries(Object.entries(timeouts).filter(([, value]) => value !== undefined));
}

export class GeminiProvider implements Provider {
  readonly name: string;
  readonly type = 'gemini' as const;
  readonly #client: UpstreamClient;
  readonly #apiKey: string;
  readonly #fetcher: GuardedFetcher | undefined;
  readonly #fetchMedia: MediaFetcher;

  constructor(options: GeminiProviderOptions) {
    this.name = options.name;
    this.#apiKey = options.apiKey;
    this.#client = new UpstreamClient(options.baseUrl, { timeouts: definedTimeouts(options.timeouts) });
    if (options.fetchImage !== undefined) {
      this.#fetchMedia = options.fetchImage;
    } else {
      this.#fetcher = new GuardedFetcher(options.mediaFetch);
      this.#fetchMedia = this.#fetcher.fetch;
    }
  }

  async complete(input: ProviderRequest): Promise<CompletionResult> {
    const response = await this.#post(input, ':generateContent');
    const text = await readBodyText(response.body, this.#client.maxResponseBytes, input.signal);
    if (response.status < 200 || response.status >= 300) {
      throw geminiErrorFromResponse(response.status, text, response.headers);
    }
    const converted = convertResponse(parseGeminiJson(text, response.status), {
      wav: input.request.audio?.format === 'wav',
    });
    return { ...converted, usageEstimated: false };
  }

  async stream(input: ProviderRequest): Promise<AsyncIterable<StreamEvent>> {
    const response = await this.#post(input, ':streamGenerateContent?alt=sse');
    // Errors come as a JSON body with a non-2xx status even when the content type says event-stream.
    if (response.status < 200 || response.status >= 300) {
      const text = await readBodyText(response.body, 1024 * 1024, input.signal);
      throw geminiErrorFromResponse(response.status, text, response.headers);
    }
    return transformGeminiStream(parseSseData(response.body, input.signal));
  }

  async #post(input: ProviderRequest, method: string): Promise<UpstreamResponse> {
    const body = await convertRequest(input, { fetchMedia: this.#fetchMedia });
    const path = `/${modelPath(input.upstreamModel)}${method}`;
    return this.#client.post(path, JSON.stringify(body), this.#headers(input), input.signal, input.timeouts);
  }

  /** The pipeline's extra headers as given, except any that could replace the key or the framing. */
  #headers(input: ProviderRequest): Record<string, string> {
    const headers: Record<string, string> = { 'x-portico-request-id': input.requestId };
    for (const [name, value] of Object.entries(input.headers ?? {})) {
      const lower = name.toLowerCase();
      if (!RESERVED_HEADERS.has(lower)) headers[lower] = value;
    }
    headers['x-goog-api-key'] = this.#apiKey;
    return headers;
  }

  async close(): Promise<void> {
    await Promise.all([this.#client.close(), this.#fetcher?.close()]);
  }
}
