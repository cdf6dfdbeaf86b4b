/**
 * `portico start --workers N` (N > 1): this process is the node:cluster primary. It checks the setup can
 * be shared (PostgreSQL and Redis, docs/decisions/060-workers.md), does the one-time start-up work (schema,
 * admin key, the first-start banner), then forks N workers that each run the ordinary `start` and share
 * the listening port. A worker that dies is replaced (its holds are settled by the recovery of the next
 * worker to start, as for any dead process); SIGTERM/SIGINT are passed to every worker, each drains its
 * own requests, and the primary exits when all have.
 */
import cluster, { type Worker } from 'node:cluster';
import type { ResolvedConfig } from '../config/load-config.ts';
import { createServices } from '../services.ts';
import { isPostgresUrl } from '../store/index.ts';
import { printFirstStart } from './first-start.ts';

export const MAX_WORKERS = 64;
/** A worker dying within this long of its start is not replaced again (a crash loop, e.g. a bad config). */
const CRASH_LOOP_MS = 5_000;

/** Why N workers cannot share this setup, or undefined when they can. */
export function workersRefusal(config: ResolvedConfig, workers: number): string | undefined {
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS)
    return `--workers must be a whole number from 1 to ${MAX_WORKERS}, got ${workers}`;
  if (workers === 1) return undefined;
  if (!isPostgresUrl(config.databaseUrl))
    return (
      `--workers ${workers} needs PostgreSQL (PORTICO_DATABASE_URL=postgres://...): the SQLite ledger has ` +
      'one writer process (see docs/decisions/060-workers.md); run one process on SQLite'
    );
  if (!config.redisUrl)
    return (
      `--workers ${workers} needs Redis (PORTICO_REDIS_URL=redis://...): without it every worker would ` +
      'enforce each rate limit on its own, multiplying the limits by the number of workers'
    );
  return undefined;
}

function log(message: string): void {
  process.stderr.write(
    `${JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, msg: message })}\n`,
  );
}

export async function startPrimary(config: ResolvedConfig, workers: number): Promise<void> {
  const refusal = workersRefusal(config, workers);
  if (refusal !== undefined) throw new Error(refusal);
  // One-time work before any worker exists: migrations, the admin key, the demo account and its banner.
  const services = await createServices(config);
  try {
    const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
    await printFirstStart(services, base.replace('[::1]', 'localhost'));
  } finally {
    await services.close();
  }

  // Each worker's limiter falls back to limit / instances when Redis is down: count the workers.
  const env = { PORTICO_INSTANCES: process.env.PORTICO_INSTANCES ?? String(workers) };
  const startedAt = new Map<number, number>();
  let stopping = false;
  const fork = (): Worker => {
    const worker = cluster.fork(env);
    startedAt.set(worker.id, Date.now());
    return worker;
  };
  cluster.on('exit', (worker, code, signal) => {
    const livedMs = Date.now() - (startedAt.get(worker.id) ?? 0);
    startedAt.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        log('all workers stopped');
        process.exit(0);
      }
      return;
    }
    if (livedMs < CRASH_LOOP_MS) {
      log(`worker ${worker.id} exited (${signal ?? code}) ${livedMs} ms after its start; not replacing it`);
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(1);
      return;
    }
    log(`worker ${worker.id} exited (${signal ?? code}); starting a replacement`);
    fork();
  });
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping ${Object.keys(cluster.workers ?? {}).length} workers`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  for (let index = 0; index < workers; index += 1) fork();
  log(`portico primary: ${workers} workers on ${config.host}:${config.port}`);
}
