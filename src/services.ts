/**
 * Everything the app needs, built once from the config and passed in: no module-level mutable state.
 * Tests build their own services (in-memory SQLite, the in-process simulator) and call `buildApp`.
 */
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import type { ResolvedConfig } from './config/load-config.ts';
import { KeyCache } from './keys/key-cache.ts';
import { AccountCache } from './keys/account-cache.ts';
import { createLimiter, type Limiter } from './limits/index.ts';
import { ProviderRegistry } from './providers/registry.ts';
import { KeepAliveTicker } from './http/sse-writer.ts';
import { Metrics } from './http/metrics.ts';
import { startSimulator, type Simulator } from './simulator/index.ts';
import { createStore } from './store/index.ts';
import type { Store } from './store/types.ts';
import { timeOrderedId } from './ids.ts';
import { ensureAdminKey } from './keys/admin-key.ts';
import { RoutingState } from './routing/routing-state.ts';
import { SettleJournal } from './billing/settle-journal.ts';
import { keyEventRecorder } from './admin/key-events.ts';
import { LiveConfig } from './admin/live-config.ts';

export interface Services {
  /** The configuration in effect: the file's, with providers and models changed live (live-config.ts). */
  readonly config: ResolvedConfig;
  /** Providers and models managed through the admin API, polled from the database. */
  readonly liveConfig: LiveConfig;
  readonly store: Store;
  readonly limiter: Limiter;
  readonly providers: ProviderRegistry;
  readonly keyCache: KeyCache;
  readonly accountCache: AccountCache;
  readonly logger: Logger;
  readonly sseTicker: KeepAliveTicker;
  readonly metrics: Metrics;
  /** Deployment health (breakers, latency, Retry-After cooling), retry budget, drain on shutdown. */
  readonly routing: RoutingState;
  /** Settles the database could not take yet, retried until written (RELIABILITY F9). */
  readonly settleJournal: SettleJournal;
  /** Identifies this process's holds, so start-up recovery can tell live holds from dead ones. */
  readonly processId: string;
  readonly simulator: Simulator | undefined;
  readonly startedAt: number;
  readonly adminKeyHash: string;
  /** The admin key when this start generated it (printed once by `start`). */
  readonly generatedAdminKey: string | undefined;
  close(): Promise<void>;
}

/** Paths pino removes from every log line: keys never reach a log (RELIABILITY I4). */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-goog-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-goog-api-key"]',
  'apiKey',
  'api_key',
  'key',
  'adminKey',
  '*.apiKey',
  '*.api_key',
  '*.key',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
  };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}

export interface CreateServicesOptions {
  logger?: Logger;
  store?: Store;
  /** Start the in-process simulator even if no provider needs it (tests). */
  simulator?: Simulator;
  keyCacheTtlMs?: number;
  sseKeepAliveMs?: number;
  instances?: number;
  adminKey?: string;
  /** Collect process-level metrics (off in tests that build many apps in one process). */
  processMetrics?: boolean;
  /** How often live configuration is polled from the database (default 2 s). */
  configPollMs?: number;
}

export async function createServices(
  config: ResolvedConfig,
  options: CreateServicesOptions = {},
): Promise<Services> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const store = options.store ?? (await createStore(config.databaseUrl));
  await store.migrate();
  const admin = await ensureAdminKey(store, options.adminKey ?? config.adminKey);
  let simulator = options.simulator;
  const ownsSimulator = simulator === undefined && config.usesSimulator;
  if (ownsSimulator) simulator = await startSimulator({ port: 0, host: '127.0.0.1', logAttempts: false });
  const providers = new ProviderRegistry(config.providers, simulator?.url, {
    media: config.hardening.media,
    onKeyEvent: keyEventRecorder(store, logger),
    onTokenError: (provider, error) =>
      logger.error({ provider, error: error.message }, 'vertex: access token refresh failed; retrying'),
  });
  const limiter = createLimiter({
    redisUrl: config.redisUrl,
    keyPrefix: 'portico:',
    instances: options.instances ?? config.instances,
  });
  const sseTicker = new KeepAliveTicker(options.sseKeepAliveMs);
  const processId = `${hostname()}:${process.pid}:${timeOrderedId('')}`;
  const liveConfig = new LiveConfig(config, {
    store,
    logger,
    pollMs: options.configPollMs,
    onChange: (next) => providers.update(next.providers),
  });
  await liveConfig.start();
  const settleJournal = new SettleJournal(store, logger);
  return {
    get config() {
      return liveConfig.config;
    },
    liveConfig,
    store,
    limiter,
    providers,
    keyCache: new KeyCache(store, { ttlMs: options.keyCacheTtlMs }),
    accountCache: new AccountCache(store, { ttlMs: options.keyCacheTtlMs }),
    logger,
    sseTicker,
    metrics: new Metrics(options.processMetrics ?? true),
    routing: new RoutingState(),
    settleJournal,
    processId,
    simulator,
    startedAt: Date.now(),
    adminKeyHash: admin.hash,
    generatedAdminKey: admin.generated,
    async close() {
      liveConfig.stop();
      sseTicker.close();
      await settleJournal.flush();
      settleJournal.close();
      await providers.close();
      await limiter.close();
      if (ownsSimulator) await simulator?.close();
      if (!options.store) await store.close();
    },
  };
}
