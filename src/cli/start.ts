/**
 * `portico start`: load config, create services, recover holds a dead process left, build the app and
 * listen; on SIGTERM/SIGINT stop accepting, let requests finish (up to a drain timeout), close.
 * With `--workers N` (N > 1) this process becomes the cluster primary (cli/workers.ts) and each worker
 * runs this same start.
 */
import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.ts';
import { loadConfig, type ResolvedConfig } from '../config/load-config.ts';
import { createServices, type Services } from '../services.ts';
import { recoverDeadHolds } from './recover-holds.ts';
import { startPrimary } from './workers.ts';
import { printFirstStart } from './first-start.ts';

export interface StartOptions {
  port?: string;
  host?: string;
  workers?: number;
}

/** The config `start` runs with: the environment, with --port/--host on top. */
export function startConfig(options: StartOptions): ResolvedConfig {
  return loadConfig({
    env: {
      ...process.env,
      ...(options.port !== undefined ? { PORTICO_PORT: options.port } : {}),
      ...(options.host !== undefined ? { PORTICO_HOST: options.host } : {}),
    },
  });
}

export async function start(options: StartOptions): Promise<void> {
  if ((options.workers ?? 1) > 1 && cluster.isPrimary) {
    await startPrimary(startConfig(options), options.workers ?? 1);
    return;
  }
  const config = startConfig(options);
  const drainMs = drainTimeoutMs(process.env.PORTICO_DRAIN_TIMEOUT_MS);
  const services = await createServices(config);
  const { logger } = services;
  const recovered = await recoverDeadHolds(services.store, { ownProcessId: services.processId });
  if (recovered.length > 0) {
    logger.warn(
      { count: recovered.length },
      'settled holds left by a process that died (flagged for review)',
    );
  }
  const app = await buildApp(services);
  const address = await app.listen({ port: config.port, host: config.host });
  if (cluster.isWorker) {
    // The primary printed the start-up banner once for every worker.
    logger.info({ address, worker: cluster.worker?.id }, 'portico worker listening');
    installShutdown(app, services, drainMs);
    return;
  }
  if (config.usesSimulator) {
    logger.warn(
      'SIMULATED: no upstream credentials (GEMINI_API_KEY unset and no providers configured); models are served by the built-in offline simulator',
    );
  }
  logger.info(
    { address, models: Object.keys(config.models), database: config.databaseUrl.split('?')[0] },
    'portico listening',
  );
  await printFirstStart(services, address.replace('[::1]', 'localhost'));
  installShutdown(app, services, drainMs);
}

export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;
/** After the drain timeout, how long cut requests get to settle and end before the process gives up. */
const SETTLE_GRACE_MS = 10_000;

function drainTimeoutMs(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_DRAIN_TIMEOUT_MS;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`PORTICO_DRAIN_TIMEOUT_MS must be a whole number of ms, got "${value}"`);
  return parsed;
}

/**
 * SIGTERM/SIGINT (RELIABILITY.md F12): stop listening and refuse new requests, let live ones finish up
 * to the drain timeout, then cut them (streams end with an error event), wait until every hold of this
 * process is settled, close the services and exit 0.
 */
function installShutdown(app: FastifyInstance, services: Services, drainMs: number): void {
  const { logger } = services;
  const { drain } = services.routing;
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info(
      { signal, drainMs, openHolds: drain.openHolds },
      'shutting down: refusing new requests, draining live ones',
    );
    drain.begin();
    const cut = setTimeout(() => {
      logger.warn(
        { openHolds: drain.openHolds },
        'drain timeout reached: ending live requests with an error',
      );
      drain.cut();
    }, drainMs);
    const giveUp = setTimeout(() => {
      logger.error(
        { openHolds: drain.openHolds },
        'live requests did not end after the drain timeout; exiting',
      );
      process.exit(1);
    }, drainMs + SETTLE_GRACE_MS);
    giveUp.unref();
    // A keep-alive socket whose last response just ended would keep `close()` waiting: close each one
    // as it becomes idle (sockets with a live request or stream are left alone).
    const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
    sweep.unref();
    try {
      // Stops the listener and waits for in-flight requests.
      await app.close();
      clearInterval(sweep);
      await drain.idle();
      clearTimeout(cut);
      await services.close();
      logger.info('shut down cleanly');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
