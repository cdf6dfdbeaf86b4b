/**
 * Builds one provider instance per configured provider, each with its key pool; the only place that
 * knows provider classes. The pools live here (one per provider per process) so `/admin` can show and
 * re-enable keys, and so the exchange can choose a key per attempt (`keyPool(name)`).
 */
import type { ResolvedProvider } from '../config/load-config.ts';
import type { MediaLimits } from '../config/hardening.ts';
import { KeyPool, type KeyPoolEvent, type KeyStatus } from '../routing/key-pool.ts';
import { AnthropicProvider } from './anthropic/anthropic-provider.ts';
import { GeminiProvider, type GeminiEndpoint } from './gemini/gemini-provider.ts';
import { VertexTokenSource } from './vertex/token-source.ts';
import { vertexEndpoint } from './vertex/vertex-endpoint.ts';
import { OpenAICompatibleProvider } from './openai-compatible/openai-compatible-provider.ts';
import type { Provider } from './provider.ts';

export interface ProviderRegistryOptions {
  /** Per-request media limits for providers that download client-supplied URLs (`server.media`). */
  media?: MediaLimits;
  /** Hears keys cooled, taken out or put back (services audit and log them). */
  onKeyEvent?: (event: KeyPoolEvent) => void;
  /** Hears a Vertex provider's failed token refresh (services log it). */
  onTokenError?: (provider: string, error: Error) => void;
}

export interface ProviderKeys {
  readonly provider: string;
  readonly type: string;
  readonly keys: KeyStatus[];
}

export class ProviderRegistry {
  readonly #providers = new Map<string, Provider>();
  readonly #pools = new Map<string, KeyPool>();

  readonly #simulatorUrl: string | undefined;
  readonly #options: ProviderRegistryOptions;
  /** What each provider was built from, to tell a changed entry from an unchanged one. */
  readonly #built = new Map<string, string>();

  constructor(
    providers: Readonly<Record<string, ResolvedProvider>>,
    simulatorUrl?: string,
    options: ProviderRegistryOptions = {},
  ) {
    this.#simulatorUrl = simulatorUrl;
    this.#options = options;
    for (const provider of Object.values(providers)) this.#build(provider);
  }

  #build(provider: ResolvedProvider): void {
    const options = this.#options;
    const baseUrl = provider.simulated ? simulatorBaseUrl(provider, this.#simulatorUrl) : provider.baseUrl;
    const keys = new KeyPool(provider.name, provider.keys, options.onKeyEvent);
    this.#pools.set(provider.name, keys);
    const settings = {
      name: provider.name,
      baseUrl,
      keys,
      timeouts: provider.timeouts,
      media: options.media,
    };
    this.#providers.set(
      provider.name,
      provider.type === 'openai'
        ? new OpenAICompatibleProvider(settings)
        : provider.type === 'anthropic'
          ? new AnthropicProvider(settings)
          : new GeminiProvider({ ...settings, endpoint: this.#endpoint(provider, options) }),
    );
    this.#built.set(provider.name, JSON.stringify(provider));
  }

  /**
   * Live configuration changed: build providers that are new or changed, drop removed ones. A replaced
   * provider's pool closes gracefully (undici lets requests and streams in flight finish), so a change
   * never cuts a live stream; unchanged providers keep their connections and key state.
   */
  update(providers: Readonly<Record<string, ResolvedProvider>>): void {
    const retired: Provider[] = [];
    for (const name of [...this.#providers.keys()]) {
      const next = providers[name];
      if (next && this.#built.get(name) === JSON.stringify(next)) continue;
      retired.push(this.#providers.get(name) as Provider);
      this.#providers.delete(name);
      this.#pools.delete(name);
      this.#built.delete(name);
    }
    for (const provider of Object.values(providers))
      if (!this.#providers.has(provider.name)) this.#build(provider);
    for (const provider of retired) void provider.close().catch(() => undefined);
  }

  /** AI Studio for `gemini`; for `vertex`, its paths and (unless express mode) a running token source. */
  #endpoint(provider: ResolvedProvider, options: ProviderRegistryOptions): GeminiEndpoint | undefined {
    if (provider.type !== 'vertex' || !provider.vertex) return undefined;
    let tokens: VertexTokenSource | undefined;
    if (provider.vertex.auth !== 'express') {
      tokens = new VertexTokenSource({
        credentials: provider.vertex.credentials,
        onError: (error) => options.onTokenError?.(provider.name, error),
      });
      tokens.start();
    }
    return vertexEndpoint(provider.vertex, tokens);
  }

  get(name: string): Provider {
    const provider = this.#providers.get(name);
    if (!provider) throw new Error(`unknown provider ${name}`);
    return provider;
  }

  /** The provider's key pool (for choosing a key per attempt); undefined for an unknown provider. */
  keyPool(name: string): KeyPool | undefined {
    return this.#pools.get(name);
  }

  /** Every provider's keys: state, cooling, why a key is out. Labels only, never secrets. */
  keyStatus(now = Date.now()): ProviderKeys[] {
    return [...this.#providers.values()].map((provider) => ({
      provider: provider.name,
      type: provider.type,
      keys: this.#pools.get(provider.name)?.status(now) ?? [],
    }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.#providers.values()].map((provider) => provider.close()));
  }
}

function simulatorBaseUrl(provider: ResolvedProvider, simulatorUrl: string | undefined): string {
  if (!simulatorUrl) throw new Error(`provider ${provider.name} needs the simulator, which is not running`);
  return provider.type === 'gemini' ? `${simulatorUrl}/v1beta` : `${simulatorUrl}/v1`;
}
