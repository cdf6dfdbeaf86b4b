/**
 * The `anthropic` provider: Anthropic's Messages API (`POST {base_url}/messages`, default
 * `https://api.anthropic.com/v1`) over one keep-alive undici pool. The key travels only as `x-api-key`
 * to that origin, with `anthropic-version`; which key a call uses is the key pool's business.
 * Translation lives in convert-*.ts and stream-transform.ts; this file only moves bytes.
 */
import { KeyPool } from '../../routing/key-pool.ts';
import type { CompletionResult, Provider, ProviderRequest, ProviderType, StreamEvent } from '../provider.ts';
import { callWithPool, type PooledProviderRequest, type ServedByKey } from '../shared/pooled-call.ts';
import { parseSseData } from '../shared/sse-parser.ts';
import {
  readBodyText,
  UpstreamClient,
  type Timeouts,
  type UpstreamResponse,
} from '../shared/upstream-client.ts';
import { convertRequest } from './convert-request.ts';
import { convertMessage, parseAnthropicJson } from './convert-response.ts';
import { anthropicErrorFromResponse } from './errors.ts';
import { transformAnthropicStream } from './stream-transform.ts';
import { nativeAnthropicBody, withNativeEvents } from './native-passthrough.ts';

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com/v1';
export const ANTHROPIC_VERSION = '2023-06-01';
const MAX_ERROR_BODY_BYTES = 1024 * 1024;
const RESERVED_HEADERS = new Set([
  'x-api-key',
  'authorization',
  'anthropic-version',
  'host',
  'content-length',
  'content-type',
  'connection',
]);

export interface AnthropicProviderOptions {
  name: string;
  baseUrl: string;
  apiKey?: string;
  keys?: KeyPool;
  timeouts?: Partial<Timeouts>;
}

export class AnthropicProvider implements Provider {
  readonly name: string;
  // ProviderType (providers/provider.ts) does not list 'anthropic' yet; nothing branches on it at run time.
  readonly type = 'anthropic' as unknown as ProviderType;
  readonly #client: UpstreamClient;
  readonly #keys: KeyPool;

  constructor(options: AnthropicProviderOptions) {
    this.name = options.name;
    const timeouts = Object.fromEntries(
      Object.entries(options.timeouts ?? {}).filter(([, value]) => value !== undefined),
    );
    this.#client = new UpstreamClient(options.baseUrl, { timeouts });
    this.#keys =
      options.keys ??
      new KeyPool(options.name, [{ label: 'key-1', secret: options.apiKey ?? '', weight: 1 }]);
  }

  async complete(input: ProviderRequest): Promise<CompletionResult & ServedByKey> {
    const { response, credential } = await this.#send(input, false);
    const text = await readBodyText(response.body, this.#client.maxResponseBytes, input.signal);
    const message = parseAnthropicJson(text);
    // From the Anthropic door (native-passthrough.ts): the upstream's answer rides beside, whole.
    if (input.native?.dialect === 'anthropic')
      return { ...convertMessage(message), credential, native: message };
    return { ...convertMessage(message), credential };
  }

  async stream(input: ProviderRequest): Promise<AsyncIterable<StreamEvent> & ServedByKey> {
    const { response, credential } = await this.#send(input, true);
    const payloads = parseSseData(response.body, input.signal);
    const events =
      input.native?.dialect === 'anthropic'
        ? withNativeEvents(payloads, transformAnthropicStream)
        : transformAnthropicStream(payloads);
    return Object.assign(events, { credential });
  }

  close(): Promise<void> {
    return this.#client.close();
  }

  async #send(
    input: PooledProviderRequest,
    stream: boolean,
  ): Promise<{ response: UpstreamResponse; credential: string }> {
    const body = JSON.stringify(nativeAnthropicBody(input, stream) ?? convertRequest(input, stream));
    const { value, credential } = await callWithPool(this.#keys, input, async (key) => {
      const headers: Record<string, string> = { 'x-portico-request-id': input.requestId };
      for (const [name, value] of Object.entries(input.headers ?? {})) {
        if (!RESERVED_HEADERS.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
      }
      // A native request keeps the client's beta flags: the fields they unlock travel with it.
      const beta =
        input.native?.dialect === 'anthropic' ? input.native.headers?.['anthropic-beta'] : undefined;
      if (beta !== undefined) headers['anthropic-beta'] = beta;
      headers['anthropic-version'] = ANTHROPIC_VERSION;
      if (key.secret !== '') headers['x-api-key'] = key.secret;
      const response = await this.#client.post('/messages', body, headers, input.signal, input.timeouts);
      if (response.status >= 200 && response.status < 300) return response;
      const text = await readBodyText(response.body, MAX_ERROR_BODY_BYTES, input.signal).catch(() => '');
      throw anthropicErrorFromResponse(response.status, text, response.headers);
    });
    return { response: value, credential };
  }
}
