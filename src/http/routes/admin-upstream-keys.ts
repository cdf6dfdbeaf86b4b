/**
 * The upstream key pools, for operators: `GET /admin/upstream-keys` (every provider's keys by label:
 * active, cooling until when, or out and why) and `POST /admin/upstream-keys/{provider}/{label}/enable`
 * (put a key that was taken out back, audited). Secrets are never shown.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { PorticoError } from '../../errors.ts';
import type { KeyStatus } from '../../routing/key-pool.ts';
import type { Services } from '../../services.ts';
import { registerLiveConfigRoutes } from './admin-live-config.ts';

const KeyParams = Type.Object({
  provider: Type.String({ minLength: 1, maxLength: 128 }),
  label: Type.String({ minLength: 1, maxLength: 64 }),
});

export function keyStatusJson(key: KeyStatus) {
  return {
    label: key.label,
    weight: key.weight,
    state: key.state,
    cooling_until: key.coolingUntil,
    last_rate_limited_at: key.lastRateLimitedAt,
    disabled_at: key.disabledAt,
    disabled_status: key.disabledStatus,
    requests: key.requests,
    rate_limited: key.rateLimited,
  };
}

export function upstreamKeysJson(services: Services) {
  return services.providers.keyStatus().map((entry) => ({
    provider: entry.provider,
    type: entry.type,
    keys: entry.keys.map(keyStatusJson),
  }));
}

/** Registered inside the admin scope (its auth hook already ran). */
export function registerUpstreamKeyRoutes(admin: FastifyInstance, services: Services): void {
  // Live provider and model configuration shares this registration point in the admin scope.
  registerLiveConfigRoutes(admin, services);
  admin.get('/admin/upstream-keys', async () => ({ data: upstreamKeysJson(services) }));

  admin.post<{ Params: Static<typeof KeyParams> }>(
    '/admin/upstream-keys/:provider/:label/enable',
    { schema: { params: KeyParams } },
    async (request) => {
      const { provider, label } = request.params;
      const pool = services.providers.keyPool(provider);
      if (!pool || !pool.enable(label)) {
        throw new PorticoError('resource_not_found', {
          message: `Provider ${provider} has no key labelled ${label}`,
        });
      }
      const key = pool.status(Date.now()).find((candidate) => candidate.label === label);
      return { provider, key: key ? keyStatusJson(key) : null };
    },
  );
}
