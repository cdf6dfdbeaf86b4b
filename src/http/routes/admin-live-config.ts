/**
 * Live configuration (issue 14): `GET|POST /admin/providers`, `GET|PUT|DELETE /admin/providers/{name}`,
 * and the same for `/admin/models`. Bodies use the config file's fields (`type`, `base_url`, `api_keys`,
 * `deployments`, `pricing`, ...); a PUT carries only what it changes (`null` removes a field); secrets
 * are write-only. A change is validated by the config loader (400 naming the problem), audited, and
 * reaches every process within seconds (admin/live-config.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { ConfigKind } from '../../admin/live-config.ts';
import { PorticoError } from '../../errors.ts';
import type { Services } from '../../services.ts';

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });
const Body = Type.Record(Type.String(), Type.Unknown());

function actorOf(request: FastifyRequest): string {
  return request.headers.authorization ? 'admin' : 'admin-session';
}

function body(request: FastifyRequest): Record<string, unknown> {
  const value = request.body;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new PorticoError('invalid_request', { message: 'the body must be a JSON object' });
  return value as Record<string, unknown>;
}

function routes(
  admin: FastifyInstance,
  services: Services,
  kind: ConfigKind,
  path: string,
  list: boolean,
): void {
  const live = services.liveConfig;
  if (list) admin.get(path, async () => ({ data: await live.list(kind) }));

  admin.post(path, { schema: { body: Body } }, async (request, reply) => {
    const { name, ...fields } = body(request);
    if (typeof name !== 'string')
      throw new PorticoError('invalid_request', { message: 'name is required', param: 'name' });
    reply.code(201);
    return live.put(kind, name, fields, { create: true, actor: actorOf(request) });
  });

  admin.get<{ Params: Static<typeof NameParams> }>(
    `${path}/:name`,
    { schema: { params: NameParams } },
    async (request) => live.get(kind, request.params.name),
  );

  admin.put<{ Params: Static<typeof NameParams> }>(
    `${path}/:name`,
    { schema: { params: NameParams, body: Body } },
    async (request) => {
      const { name: _ignored, ...fields } = body(request);
      return live.put(kind, request.params.name, fields, { create: false, actor: actorOf(request) });
    },
  );

  admin.delete<{ Params: Static<typeof NameParams> }>(
    `${path}/:name`,
    { schema: { params: NameParams } },
    async (request, reply) => {
      await live.remove(kind, request.params.name, actorOf(request));
      reply.code(204);
    },
  );
}

/** Registered inside the admin scope (its auth hook already ran). */
export function registerLiveConfigRoutes(admin: FastifyInstance, services: Services): void {
  routes(admin, services, 'provider', '/admin/providers', true);
  // `GET /admin/models` already lists every model in effect (admin-console.ts, live as well); the
  // configured entries of one model are at `GET /admin/models/{name}`.
  routes(admin, services, 'model', '/admin/models', false);
}
