/**
 * `portico start`: load config, create services, recover holds a dead process left, build the app and
 * listen; on SIGTERM/SIGINT stop accepting, let requests finish (up to a drain timeout), close.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config/load-config.ts';
import { createServices, type Services } from '../services.ts';
import { createKey } from '../admin/operations.ts';
import { recoverDeadHolds } from './recover-holds.ts';

export async function start(options: { port?: string; host?: string }): Promise<void> {
  const config = loadConfig({
    env: {
      ...process.env,
      ...(options.port !== undefined ? { PORTICO_PORT: options.port } : {}),
      ...(options.host !== undefined ? { PORTICO_HOST: options.host } : {}),
    },
  });
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
  const base = address.replace('[::1]', 'localhost');
  if (config.usesSimulator) {
    logger.warn(
      'SIMULATED: no upstream credentials (GEMINI_API_KEY unset and no providers configured); models are served by the built-in offline simulator',
    );
  }
  logger.info(
    { address, models: Object.keys(config.models), database: config.databaseUrl.split('?')[0] },
    'portico listening',
  );
  if (services.generatedAdminKey) {
    const lines = [
      '',
      '  Portico admin key (shown once, stored only as a hash):',
      `    ${services.generatedAdminKey}`,
      '',
    ];
    if ((await services.store.listAccounts()).length === 0) {
      // First start: a demo account with a little credit and a key, so the printed curl works as is.
      const account = await services.store.createAccount({
        name: 'demo',
        creditsMicros: 5_000_000,
        actor: 'start',
      });
      const { key } = await createKey(
        services.store,
        { account_id: account.id, name: 'demo' },
        config.models,
      );
      const model = config.models['gemini-3.5-flash']
        ? 'gemini-3.5-flash'
        : (Object.keys(config.models)[0] ?? 'model');
      lines.push(
        `  Demo account ${account.id} with $5.00 of credits, and its key (shown once):`,
        `    ${key}`,
        '',
        '  Try it:',
        `    curl -s ${base}/v1/chat/completions -H "Authorization: Bearer ${key}" -H 'content-type: application/json' -d '{"model":"${model}","messages":[{"role":"user","content":"Hello"}]}'`,
        '',
      );
    }
    process.stdout.write(lines.join('\n') + '\n');
  }
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
