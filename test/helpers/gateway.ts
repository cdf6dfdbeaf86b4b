/**
 * Starts a real Portico (Fastify on 127.0.0.1 port 0) over an in-memory SQLite store, with the simulator
 * as its upstream for both protocols: `gemini-*` models go through the Gemini translation, `sim-openai`
 * through the OpenAI-compatible provider.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { ConfigFile } from '../../src/config/schema.ts';
import { createLogger, createServices, type Services } from '../../src/services.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';

export const ADMIN_KEY = 'sk-admin-test-0123456789abcdef';

export interface Gateway {
  url: string;
  app: FastifyInstance;
  services: Services;
  simulator: Simulator;
  logs: string[];
  admin(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any }>;
  account(
    creditsUsd: number,
    key?: Record<string, unknown>,
  ): Promise<{ accountId: string; key: string; keyId: string }>;
  close(): Promise<void>;
}

export interface GatewayOptions {
  models?: ConfigFile['models'];
  providers?: ConfigFile['providers'];
  server?: ConfigFile['server'];
  simulator?: Simulator;
  keyCacheTtlMs?: number;
  /** Default: in-memory SQLite. */
  databaseUrl?: string;
  /** Default: none (the memory limiter). */
  redisUrl?: string;
  /** Upstream resources granted to accounts (the config's `upstream_refs`). */
  upstreamRefs?: ConfigFile['upstream_refs'];
  /** Silence after which an open stream gets a keep-alive comment (default 15 s). */
  sseKeepAliveMs?: number;
}

/** Provider base URLs may say `SIMULATOR` for this gateway's simulator (its port is not known before). */
function substituteSimulator(providers: ConfigFile['providers'], url: string): ConfigFile['providers'] {
  if (!providers) return undefined;
  return Object.fromEntries(
    Object.entries(providers).map(([name, provider]) => [
      name,
      {
        ...provider,
        base_url:
          provider.base_url === 'SIMULATOR'
            ? `${url}${provider.type === 'gemini' ? '/v1beta' : '/v1'}`
            : provider.base_url,
      },
    ]),
  );
}

export async function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const simulator = options.simulator ?? (await startSimulator({ port: 0, host: '127.0.0.1' }));
  const file: ConfigFile = {
    server: options.server,
    ...(options.upstreamRefs ? { upstream_refs: options.upstreamRefs } : {}),
    database: { url: options.databaseUrl ?? 'sqlite::memory:' },
    ...(options.redisUrl ? { redis: { url: options.redisUrl } } : {}),
    providers: substituteSimulator(options.providers, simulator.url) ?? {
      google: { type: 'gemini', base_url: `${simulator.url}/v1beta`, api_key: 'upstream-gemini-key-canary' },
      local: { type: 'openai', base_url: `${simulator.url}/v1`, api_key: 'upstream-openai-key-canary' },
    },
    models: options.models ?? {
      'sim-openai': {
        deployments: [{ provider: 'local', model: 'sim-openai-upstream' }],
        pricing: { input: 1, cached_input: 0.5, output: 2 },
        max_output_tokens: 4096,
      },
    },
  };
  const config = loadConfig({ file, env: { PORTICO_LOG_LEVEL: 'debug' } });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const services = await createServices(config, {
    logger: createLogger('debug', sink),
    simulator,
    adminKey: ADMIN_KEY,
    keyCacheTtlMs: options.keyCacheTtlMs,
    sseKeepAliveMs: options.sseKeepAliveMs,
    processMetrics: false,
  });
  const app = await buildApp(services);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const url = address;
  const admin: Gateway['admin'] = async (method, path, body, headers = {}) => {
    const response = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    url,
    app,
    services,
    simulator,
    logs,
    admin,
    async account(creditsUsd, key = {}) {
      const account = await admin('POST', '/admin/accounts', { name: 'test', credits_usd: creditsUsd });
      if (account.status !== 201) throw new Error(`account: ${JSON.stringify(account.body)}`);
      const created = await admin('POST', '/admin/keys', { account_id: account.body.id, ...key });
      if (created.status !== 201) throw new Error(`key: ${JSON.stringify(created.body)}`);
      return { accountId: account.body.id, key: created.body.key, keyId: created.body.id };
    },
    async close() {
      await app.close();
      await services.close();
      if (!options.simulator) await simulator.close();
    },
  };
}
