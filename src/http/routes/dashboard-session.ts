/**
 * `POST|GET|DELETE /dashboard/session` (DASHBOARD.md §d): sign in with the admin key or a customer API
 * key, read the session (role, account, CSRF token), sign out. Attempts are throttled and audited.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { accountJson } from '../../admin/operations.ts';
import { PorticoError } from '../../errors.ts';
import { hashKey, hashesEqual } from '../../keys/api-keys.ts';
import { isUsable } from '../../pipeline/authenticate.ts';
import type { Services } from '../../services.ts';
import { SESSION_COOKIE, readCookie, type DashboardCaller } from '../session-guard.ts';
import type { DashboardSession, SessionStore } from '../session-store.ts';
import type { SignInLimiter } from '../sign-in-limiter.ts';

const SignIn = Type.Object(
  { key: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

/** Customers may sign in unless the operator switched it off for their account (`PATCH /admin/accounts/:id`). */
export const dashboardLoginSetting = (accountId: string) => `dashboard_login:${accountId}`;

function setCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number): void {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${secure}`,
  );
}

async function sessionJson(services: Services, caller: DashboardCaller) {
  const base = {
    role: caller.role,
    csrf_token: caller.session.csrf,
    signed_in_at: new Date(caller.session.createdAt).toISOString(),
  };
  if (caller.role === 'admin') return { ...base, account: null, key: null };
  const account = await services.store.getAccount(caller.accountId);
  return {
    ...base,
    account: account ? accountJson(account) : null,
    key: { id: caller.key.id, name: caller.key.name, prefix: caller.key.prefix, models: caller.key.models },
  };
}

export function registerDashboardSessionRoutes(
  app: FastifyInstance,
  services: Services,
  sessions: SessionStore,
  limiter: SignInLimiter,
): void {
  const { store } = services;
  const audit = (actor: string, action: string, target: string, detail: Record<string, unknown>) =>
    store.recordAudit({ actor, action, target, detail });

  app.post<{ Body: Static<typeof SignIn> }>(
    '/dashboard/session',
    { schema: { body: SignIn } },
    async (request, reply) => {
      const secret = request.body.key.trim();
      const buckets = [`ip:${request.ip}`, `prefix:${secret.slice(0, 14)}`];
      if (limiter.blocked(buckets)) {
        request.log.warn({ ip: request.ip }, 'dashboard sign-in throttled');
        throw new PorticoError('rate_limited', {
          message: 'Too many failed sign-in attempts; wait a minute',
          retryAfterSeconds: 60,
        });
      }
      const previous = readCookie(request.headers.cookie, SESSION_COOKIE);
      if (previous) sessions.delete(previous);
      const hash = hashKey(secret);
      let session: DashboardSession | undefined;
      let caller: DashboardCaller | undefined;
      if (hashesEqual(hash, services.adminKeyHash)) {
        session = sessions.create({ role: 'admin', accountId: null, keyId: null, keyHash: null, key: null });
        caller = { role: 'admin', actor: 'admin', session };
        await audit('admin', 'session.create', 'admin', { ip: request.ip, role: 'admin' });
      } else {
        const key = await services.keyCache.lookup(hash);
        const account = isUsable(key) ? await store.getAccount(key.accountId) : undefined;
        const allowed = account
          ? (await store.getSetting(dashboardLoginSetting(account.id))) !== 'off'
          : false;
        if (key && isUsable(key) && account && account.status === 'active' && allowed) {
          session = sessions.create({
            role: 'account',
            accountId: account.id,
            keyId: key.id,
            keyHash: hash,
            key: secret,
          });
          caller = { role: 'account', actor: `key:${key.id}`, accountId: account.id, key, session };
          await audit(caller.actor, 'session.create', account.id, {
            ip: request.ip,
            role: 'account',
            key_id: key.id,
          });
        }
      }
      if (!session || !caller) {
        limiter.fail(buckets);
        // Never any part of the secret itself (it may be a real key mistyped): a short hash names it.
        await audit('anonymous', 'session.fail', `sha256:${hash.slice(0, 12)}`, { ip: request.ip });
        throw new PorticoError('authentication_failed', {
          message: 'Sign-in failed: the key is unknown, expired, revoked or not allowed here',
        });
      }
      setCookie(request, reply, session.id, 12 * 60 * 60);
      return reply.code(201).send(await sessionJson(services, caller));
    },
  );

  app.get('/dashboard/session', async (request) => {
    const caller = request.dashboardCaller;
    if (!caller) throw new PorticoError('authentication_failed', { message: 'Not signed in' });
    return sessionJson(services, caller);
  });

  app.delete('/dashboard/session', async (request, reply) => {
    const caller = request.dashboardCaller;
    if (caller) {
      sessions.delete(caller.session.id);
      await audit(caller.actor, 'session.end', caller.role === 'admin' ? 'admin' : caller.accountId, {
        ip: request.ip,
      });
    }
    setCookie(request, reply, '', 0);
    return reply.code(204).send();
  });
}
