/**
 * `portico start`: load config, create services, recover holds a dead process left, build the app and
 * listen; on SIGTERM/SIGINT stop accepting, let requests finish (up to a drain timeout), close.
 */
import { buildApp } from '../app.ts';
import { loadConfig } from '../config/load-config.ts';
import { createServices } from '../services.ts';
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
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining live requests');
    const timer = setTimeout(() => {
      logger.error('drain timeout reached; exiting');
      process.exit(1);
    }, 30_000);
    timer.unref();
    try {
      await app.close();
      await services.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
