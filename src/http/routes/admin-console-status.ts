/** `/admin/status` and `/admin/models` bodies: version, upstream health, a redacted config, prices. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedModel } from '../../config/load-config.ts';
import type { Services } from '../../services.ts';
import { PACKAGE_ROOT } from '../../package-root.ts';
import { upstreamKeysJson } from './admin-upstream-keys.ts';

const PACKAGE = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
  version: string;
};

export function modelJson(model: ResolvedModel) {
  return {
    id: model.name,
    simulated: model.simulated,
    deployments: model.deployments.map((deployment) => ({
      provider: deployment.provider,
      model: deployment.model,
      weight: deployment.weight,
    })),
    pricing: { ...model.pricing, unit: 'USD per 1M tokens' },
    max_output_tokens: model.maxOutputTokens,
    context_window: model.contextWindow,
    fallbacks: model.fallbacks,
    aliases: model.aliases,
  };
}

/** Credentials in a URL become `***`; the rest stays, so an operator can still see where it points. */
export function redactUrl(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    if (url.username) url.username = '***';
    for (const name of [...url.searchParams.keys()])
      if (/key|token|secret|password/i.test(name)) url.searchParams.set(name, '***');
    return url.toString();
  } catch {
    return value.replace(/\/\/[^@/]*@/, '//***@');
  }
}

export async function adminStatus(services: Services) {
  const { config, store } = services;
  let database: { ok: boolean; detail?: string };
  try {
    await store.ping();
    database = { ok: true };
  } catch (error) {
    database = { ok: false, detail: (error as Error).message };
  }
  // Upstream health from the last 15 minutes of traffic per deployment provider.
  const since = new Date(Date.now() - 15 * 60_000).toISOString();
  const recent = await store.ledgerPage({ from: since, limit: 1000 });
  const keys = new Map(upstreamKeysJson(services).map((entry) => [entry.provider, entry.keys]));
  const providers = Object.values(config.providers).map((provider) => {
    const models = new Set(
      Object.values(config.models)
        .filter((model) => model.deployments.some((deployment) => deployment.provider === provider.name))
        .map((model) => model.name),
    );
    const rows = recent.filter((row) => models.has(row.model) && row.state === 'settled');
    const errors = rows.filter((row) => row.status === null || row.status >= 500).length;
    return {
      name: provider.name,
      type: provider.type,
      base_url: provider.simulated ? 'simulator' : redactUrl(provider.baseUrl),
      simulated: provider.simulated,
      api_key: provider.apiKey ? '[redacted]' : null,
      recent_requests: rows.length,
      recent_upstream_errors: errors,
      health: rows.length === 0 ? 'no recent traffic' : errors / rows.length > 0.5 ? 'failing' : 'ok',
      /** The key pool by label: active, cooling, or taken out (never a secret). */
      keys: keys.get(provider.name) ?? [],
    };
  });
  const limiter = services.limiter.status();
  return {
    version: PACKAGE.version,
    node: process.version,
    started_at: new Date(services.startedAt).toISOString(),
    uptime_seconds: Math.round((Date.now() - services.startedAt) / 1000),
    simulated: config.usesSimulator,
    database: { dialect: store.dialect, ...database },
    limiter,
    providers,
    config: {
      host: config.host,
      port: config.port,
      max_body_bytes: config.maxBodyBytes,
      max_concurrency: config.maxConcurrency,
      log_level: config.logLevel,
      database_url: redactUrl(config.databaseUrl),
      redis_url: redactUrl(config.redisUrl),
      admin_key: '[redacted]',
      instances: config.instances,
      config_path: config.configPath ?? null,
      models: Object.keys(config.models).length,
    },
  };
}
