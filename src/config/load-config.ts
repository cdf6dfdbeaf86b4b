/**
 * Loads `portico.yaml` (optional), applies `PORTICO_*` environment overrides and the built-in catalogue,
 * and resolves everything into one frozen `ResolvedConfig`. Fails fast with a message naming the problem.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { BUILTIN_CATALOGUE, type Pricing } from './catalogue.ts';
import { ConfigError, substituteEnv } from './env-refs.ts';
import { ConfigFile } from './schema.ts';
import { resolveHardening, type HardeningConfig } from './hardening.ts';
import type { ModelTraits } from '../providers/provider.ts';
import type { Timeouts } from '../providers/shared/upstream-client.ts';
import type { PoolKey } from '../routing/key-pool.ts';
import { resolveProviderKeys } from './provider-keys.ts';
import { priceAt, priceSchedule, type ScheduledPrice } from './model-pricing.ts';
import { resolveVertex, vertexBaseUrl, type ResolvedVertex } from './provider-vertex.ts';

export { ConfigError } from './env-refs.ts';

export const GOOGLE_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta';
export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com/v1';
/** Sentinel base URL: the in-process simulator, whose port is known only once it listens. */
export const SIMULATOR_BASE_URL = 'simulator:';

export interface ResolvedProvider {
  readonly name: string;
  readonly type: 'gemini' | 'openai' | 'vertex' | 'anthropic';
  readonly baseUrl: string;
  /** The first key of `keys` (kept for code that shows whether a key is set). */
  readonly apiKey: string;
  /** The provider's upstream keys (`api_key` is a pool of one), with their labels and weights. */
  readonly keys: readonly PoolKey[];
  readonly timeouts: Partial<Timeouts>;
  /** Served by Portico's own simulator (offline demo). */
  readonly simulated: boolean;
  /** `type: vertex`: project, location, how it authenticates, labels. */
  readonly vertex?: ResolvedVertex;
}

export interface ResolvedDeployment {
  readonly provider: string;
  readonly model: string;
  readonly weight: number;
}

export interface ResolvedModel {
  readonly name: string;
  readonly deployments: readonly ResolvedDeployment[];
  /** The price in effect now (read per request; see `pricingSchedule`). */
  readonly pricing: Readonly<Required<Pricing>>;
  /** Every configured price with its `effective_from`, oldest first (model-pricing.ts). */
  readonly pricingSchedule: readonly ScheduledPrice[];
  readonly maxOutputTokens: number;
  readonly contextWindow: number;
  readonly traits: ModelTraits;
  readonly fallbacks: readonly string[];
  readonly aliases: readonly string[];
  readonly simulated: boolean;
}

export interface ResolvedConfig {
  readonly host: string;
  readonly port: number;
  readonly maxBodyBytes: number;
  readonly maxConcurrency: number;
  /** Limits against hostile clients: body deadline, unauthenticated connections, media, proxies. */
  readonly hardening: HardeningConfig;
  /** How long one SSE write may wait for a client that stopped reading (RELIABILITY L6). */
  readonly sseWriteTimeoutMs: number;
  readonly logLevel: string;
  readonly databaseUrl: string;
  readonly redisUrl: string | undefined;
  readonly adminKey: string | undefined;
  /** How many Portico processes share the limits; each takes limit / instances when Redis is down. */
  readonly instances: number;
  readonly providers: Readonly<Record<string, ResolvedProvider>>;
  readonly models: Readonly<Record<string, ResolvedModel>>;
  /** True when at least one provider is the in-process simulator. */
  readonly usesSimulator: boolean;
  readonly configPath: string | undefined;
  /** Cached contents and files accounts may reference (by name); everything else is refused. */
  readonly upstreamRefs: UpstreamRefs;
  /** The file as loaded (after `${VAR}` substitution): live configuration layers database entries on it. */
  readonly source: ConfigFile;
}

export interface UpstreamRefGrant {
  /** Account ids, or `*` for every account. */
  readonly accounts: readonly string[];
  readonly tokens: number;
}

export interface UpstreamRefs {
  readonly cachedContents: ReadonlyMap<string, UpstreamRefGrant>;
  readonly files: ReadonlyMap<string, UpstreamRefGrant>;
}

function refGrants(entries: Record<string, { accounts: string[]; tokens?: number }> | undefined) {
  return new Map(
    Object.entries(entries ?? {}).map(([name, grant]) => [
      name,
      { accounts: grant.accounts, tokens: grant.tokens ?? 0 },
    ]),
  );
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** A config object instead of a file (tests). */
  file?: ConfigFile;
  path?: string;
}

export function loadConfig(options: LoadOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  let raw: unknown = options.file ?? {};
  let configPath: string | undefined;
  if (options.file === undefined) {
    configPath =
      options.path ?? (env.PORTICO_CONFIG || (existsSync('portico.yaml') ? 'portico.yaml' : undefined));
    if (configPath !== undefined) {
      if (!existsSync(configPath)) throw new ConfigError(`config file ${configPath} does not exist`);
      try {
        raw = parseYaml(readFileSync(configPath, 'utf8')) ?? {};
      } catch (error) {
        throw new ConfigError(`config file ${configPath} is not valid YAML: ${(error as Error).message}`);
      }
    }
  }
  const substituted = substituteEnv(raw, env);
  if (!Value.Check(ConfigFile, substituted)) {
    const first = Value.Errors(ConfigFile, substituted).First();
    const where = first?.path ? first.path.replace(/^\//, '').replace(/\//g, '.') : '(root)';
    throw new ConfigError(`config ${where}: ${first?.message ?? 'invalid'}`);
  }
  return resolve(substituted, env, configPath);
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    throw new ConfigError(`${name} must be a port number (0-65535), got "${value}"`);
  }
  return parsed;
}

/**
 * Providers and models from a config object (live configuration re-resolves them when the database
 * entries change); the object is checked against the schema first. Throws `ConfigError`.
 */
export function resolveUpstreams(
  file: unknown,
  env: NodeJS.ProcessEnv,
): Pick<ResolvedConfig, 'providers' | 'models' | 'usesSimulator'> {
  const substituted = substituteEnv(file, env);
  if (!Value.Check(ConfigFile, substituted)) {
    const first = Value.Errors(ConfigFile, substituted).First();
    const where = first?.path ? first.path.replace(/^\//, '').replace(/\//g, '.') : '(root)';
    throw new ConfigError(`config ${where}: ${first?.message ?? 'invalid'}`);
  }
  const providers = resolveProviders(substituted, env);
  const models = resolveModels(substituted, providers);
  return {
    providers: Object.freeze(providers),
    models: Object.freeze(models),
    usesSimulator: Object.values(providers).some((provider) => provider.simulated),
  };
}

function resolve(file: ConfigFile, env: NodeJS.ProcessEnv, configPath: string | undefined): ResolvedConfig {
  const providers = resolveProviders(file, env);
  const models = resolveModels(file, providers);
  return Object.freeze({
    host: env.PORTICO_HOST || file.server?.host || '127.0.0.1',
    port: positiveInt('PORTICO_PORT', env.PORTICO_PORT, file.server?.port ?? 8787),
    maxBodyBytes: Math.floor((file.server?.max_body_mb ?? 16) * 1024 * 1024),
    maxConcurrency: file.server?.max_concurrency ?? 4096,
    hardening: resolveHardening(file.server, env),
    sseWriteTimeoutMs: file.server?.sse_write_timeout_ms ?? 30_000,
    logLevel: env.PORTICO_LOG_LEVEL || file.server?.log_level || 'info',
    databaseUrl: env.PORTICO_DATABASE_URL || file.database?.url || 'sqlite:./data/portico.db',
    redisUrl: env.PORTICO_REDIS_URL || file.redis?.url || undefined,
    adminKey: env.PORTICO_ADMIN_KEY || undefined,
    instances: Math.max(1, Math.floor(Number(env.PORTICO_INSTANCES) || 1)),
    providers: Object.freeze(providers),
    models: Object.freeze(models),
    usesSimulator: Object.values(providers).some((provider) => provider.simulated),
    configPath,
    upstreamRefs: {
      cachedContents: refGrants(file.upstream_refs?.cached_contents),
      files: refGrants(file.upstream_refs?.files),
    },
    source: file,
  });
}

function resolveProviders(file: ConfigFile, env: NodeJS.ProcessEnv): Record<string, ResolvedProvider> {
  const result: Record<string, ResolvedProvider> = {};
  const declared = Object.entries(file.providers ?? {});
  if (declared.length === 0) {
    // No providers configured: Google when a key is present, otherwise the offline simulator.
    const geminiKey = env.GEMINI_API_KEY;
    result.google = geminiKey
      ? {
          name: 'google',
          type: 'gemini',
          baseUrl: GOOGLE_BASE_URL,
          apiKey: geminiKey,
          keys: resolveProviderKeys('google', geminiKey, undefined),
          timeouts: {},
          simulated: false,
        }
      : {
          name: 'google',
          type: 'gemini',
          baseUrl: SIMULATOR_BASE_URL,
          apiKey: 'simulated',
          keys: resolveProviderKeys('google', 'simulated', undefined),
          timeouts: {},
          simulated: true,
        };
    return result;
  }
  for (const [name, provider] of declared) {
    const simulated = provider.type === 'simulator' || provider.base_url === SIMULATOR_BASE_URL;
    const baseUrl = simulated ? SIMULATOR_BASE_URL : (provider.base_url ?? defaultBaseUrl(name, provider));
    if (!simulated) {
      let url: URL;
      try {
        url = new URL(baseUrl);
      } catch {
        throw new ConfigError(`config providers.${name}.base_url: "${baseUrl}" is not a URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new ConfigError(`config providers.${name}.base_url must be http(s)`);
      }
    }
    if (
      provider.type !== 'vertex' &&
      (provider.project ?? provider.location ?? provider.credentials ?? provider.labels)
    ) {
      throw new ConfigError(
        `config providers.${name}: project, location, credentials and labels are for type vertex`,
      );
    }
    const vertex = provider.type === 'vertex' ? resolveVertex(name, provider) : undefined;
    // A Vertex provider with a service account or ADC has no API key: its pool holds the one credential.
    const keys =
      vertex && vertex.auth !== 'express'
        ? resolveProviderKeys(name, vertex.auth, undefined).map((key) => ({ ...key, label: vertex.auth }))
        : resolveProviderKeys(name, provider.api_key, provider.api_keys);
    result[name] = {
      name,
      type:
        provider.type === 'openai' || provider.type === 'vertex' || provider.type === 'anthropic'
          ? provider.type
          : 'gemini',
      baseUrl,
      apiKey: keys[0]?.secret ?? '',
      keys,
      timeouts: {
        connectMs: provider.timeouts?.connect_ms,
        firstByteMs: provider.timeouts?.first_byte_ms,
        idleMs: provider.timeouts?.idle_ms,
      },
      simulated,
      ...(vertex ? { vertex } : {}),
    };
  }
  return result;
}

function defaultBaseUrl(name: string, provider: NonNullable<ConfigFile['providers']>[string]): string {
  if (provider.type === 'gemini') return GOOGLE_BASE_URL;
  if (provider.type === 'anthropic') return ANTHROPIC_BASE_URL;
  if (provider.type !== 'vertex') return '';
  const express = provider.api_key !== undefined || provider.api_keys !== undefined;
  return vertexBaseUrl(express ? null : (provider.location ?? resolveVertex(name, provider).location));
}

type ConfiguredModel = NonNullable<ConfigFile['models']>[string];

/** Catalogue traits, overridden by the model's `thinking`, `capabilities` and `drop_unsupported_params`. */
function modelTraits(builtin: ModelTraits | undefined, configured: ConfiguredModel | undefined): ModelTraits {
  const traits: { -readonly [K in keyof ModelTraits]: ModelTraits[K] } = {
    ...(builtin ?? { thinking: 'none' }),
  };
  if (configured?.thinking) traits.thinking = configured.thinking;
  const capabilities = configured?.capabilities;
  if (capabilities?.output) traits.output = capabilities.output;
  if (capabilities?.builtin_tools) traits.builtinTools = capabilities.builtin_tools;
  if (capabilities?.logprobs !== undefined) traits.logprobs = capabilities.logprobs;
  if (capabilities?.embedding !== undefined) traits.embedding = capabilities.embedding;
  if (configured?.drop_unsupported_params !== undefined) {
    traits.dropUnsupportedParams = configured.drop_unsupported_params;
  }
  return traits;
}

function resolveModels(
  file: ConfigFile,
  providers: Record<string, ResolvedProvider>,
): Record<string, ResolvedModel> {
  const defaultProvider = Object.values(providers).find(
    (provider) => provider.type === 'gemini' || provider.type === 'vertex',
  );
  const names = new Set([...Object.keys(BUILTIN_CATALOGUE), ...Object.keys(file.models ?? {})]);
  const result: Record<string, ResolvedModel> = {};
  for (const name of names) {
    const builtin = BUILTIN_CATALOGUE[name];
    const configured = file.models?.[name];
    let deployments: ResolvedDeployment[];
    if (configured?.deployments) {
      deployments = configured.deployments.map((deployment, index) => {
        if (!providers[deployment.provider]) {
          throw new ConfigError(
            `config models.${name}.deployments[${index}].provider: unknown provider "${deployment.provider}"`,
          );
        }
        return {
          provider: deployment.provider,
          model: deployment.model ?? name,
          weight: deployment.weight ?? 1,
        };
      });
    } else if (builtin && defaultProvider) {
      deployments = [{ provider: defaultProvider.name, model: name, weight: 1 }];
    } else if (builtin) {
      continue; // a catalogue model with no Gemini provider configured is simply not served
    } else {
      throw new ConfigError(`config models.${name}: needs deployments (it is not in the built-in catalogue)`);
    }
    const pricing = configured?.pricing ?? builtin?.pricing;
    if (!pricing)
      throw new ConfigError(`config models.${name}: needs pricing (it is not in the built-in catalogue)`);
    const traits = modelTraits(builtin?.traits, configured);
    const schedule = priceSchedule(name, pricing);
    result[name] = Object.freeze({
      name,
      deployments: Object.freeze(deployments),
      // A getter: a price scheduled with `effective_from` takes effect at its time, without a restart.
      get pricing() {
        return priceAt(schedule, Date.now());
      },
      pricingSchedule: schedule,
      maxOutputTokens: configured?.max_output_tokens ?? builtin?.maxOutputTokens ?? 8192,
      contextWindow: configured?.context_window ?? builtin?.contextWindow ?? 128_000,
      traits,
      fallbacks: Object.freeze([...(configured?.fallbacks ?? builtin?.fallbacks ?? [])]),
      aliases: Object.freeze([...(configured?.aliases ?? [])]),
      simulated: deployments.every((deployment) => providers[deployment.provider]?.simulated === true),
    });
  }
  for (const model of Object.values(result)) {
    for (const fallback of model.fallbacks) {
      if (!result[fallback])
        throw new ConfigError(`config models.${model.name}.fallbacks: unknown model "${fallback}"`);
    }
  }
  return result;
}
