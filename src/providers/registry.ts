/** Builds one provider instance per configured provider; the only place that knows provider classes. */
import type { ResolvedProvider } from '../config/load-config.ts';
import { GeminiProvider } from './gemini/gemini-provider.ts';
import { OpenAICompatibleProvider } from './openai-compatible/openai-compatible-provider.ts';
import type { Provider } from './provider.ts';

export class ProviderRegistry {
  readonly #providers = new Map<string, Provider>();

  constructor(providers: Readonly<Record<string, ResolvedProvider>>, simulatorUrl?: string) {
    for (const provider of Object.values(providers)) {
      const baseUrl = provider.simulated ? simulatorBaseUrl(provider, simulatorUrl) : provider.baseUrl;
      const options = { name: provider.name, baseUrl, apiKey: provider.apiKey, timeouts: provider.timeouts };
      this.#providers.set(
        provider.name,
        provider.type === 'gemini' ? new GeminiProvider(options) : new OpenAICompatibleProvider(options),
      );
    }
  }

  get(name: string): Provider {
    const provider = this.#providers.get(name);
    if (!provider) throw new Error(`unknown provider ${name}`);
    return provider;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#providers.values()].map((provider) => provider.close()));
  }
}

function simulatorBaseUrl(provider: ResolvedProvider, simulatorUrl: string | undefined): string {
  if (!simulatorUrl) throw new Error(`provider ${provider.name} needs the simulator, which is not running`);
  return provider.type === 'gemini' ? `${simulatorUrl}/v1beta` : `${simulatorUrl}/v1`;
}
