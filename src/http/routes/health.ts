/** `/health` (liveness), `/ready` (readiness: database reachable, providers configured). */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.ts';

export function registerHealthRoutes(app: FastifyInstance, services: Services): void {
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_request, reply) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    try {
      await services.store.ping();
      checks.database = { ok: true };
    } catch (error) {
      checks.database = { ok: false, detail: (error as Error).message };
    }
    const limiter = services.limiter.status();
    checks.limiter = limiter.healthy ? { ok: true } : { ok: true, detail: limiter.degraded ?? 'degraded' };
    const models = Object.keys(services.config.models).length;
    checks.upstreams = models > 0 ? { ok: true } : { ok: false, detail: 'no models configured' };
    const ready = Object.values(checks).every((check) => check.ok);
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not_ready',
      simulated: services.config.usesSimulator,
      checks,
    });
  });
}
