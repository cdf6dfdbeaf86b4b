/**
 * The dashboard's request guard, a root `onRequest` hook: it turns the `portico_session` cookie into a
 * caller, ends sessions whose key or account stopped being usable, enforces the CSRF header and the
 * Origin check on every write made with a cookie, and sets the dashboard's security headers. A request
 * with an `Authorization` header is a script: the cookie is ignored and the route authenticates it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { PorticoError } from '../errors.ts';
import { isUsable } from '../pipeline/authenticate.ts';
import type { Services } from '../services.ts';
import type { ApiKeyRecord } from '../store/types.ts';
import type { DashboardSession, SessionStore } from './session-store.ts';

export const SESSION_COOKIE = 'portico_session';
export const CSRF_HEADER = 'x-csrf-token';

export type DashboardCaller =
  | { role: 'admin'; actor: 'admin'; session: DashboardSession }
  | { role: 'account'; actor: string; accountId: string; key: ApiKeyRecord; session: DashboardSession };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the session guard when a valid dashboard session cookie came without a bearer. */
    dashboardCaller: DashboardCaller | null;
  }
}

/** For the admin API's hook: a signed-in operator passes; a signed-in customer gets 403. */
export function sessionAdmitsAdmin(request: FastifyRequest): boolean {
  const caller = request.dashboardCaller;
  if (!caller) return false;
  if (caller.role === 'admin') return true;
  throw new PorticoError('admin_forbidden');
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The Origin (or, failing that, the Referer's origin) must be this server's own. */
export function sameOrigin(request: FastifyRequest): boolean {
  const host = request.headers.host;
  const source = request.headers.origin ?? request.headers.referer;
  if (!host || typeof source !== 'string') return false;
  try {
    const url = new URL(source);
    return url.host === host && (url.protocol === 'http:' || url.protocol === 'https:');
  } catch {
    return false;
  }
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const GUARDED_PREFIXES = ['/admin', '/account', '/dashboard'];

function setSecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  if (!GUARDED_PREFIXES.some((prefix) => request.url.startsWith(prefix))) return;
  reply.header('content-security-policy', "default-src 'self'; frame-ancestors 'none'");
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'same-origin');
  reply.header('x-frame-options', 'DENY');
  const isAsset = request.url.startsWith('/dashboard/assets/');
  if (!isAsset) reply.header('cache-control', 'no-store');
}

async function resolveSession(
  services: Services,
  sessions: SessionStore,
  id: string,
): Promise<DashboardCaller | null> {
  const session = sessions.get(id);
  if (!session) return null;
  if (session.role === 'admin') return { role: 'admin', actor: 'admin', session };
  // Revoking or expiring the key, or suspending the account, ends the session at its next request.
  const key = session.keyHash ? await services.keyCache.lookup(session.keyHash) : undefined;
  const account = key && isUsable(key) ? await services.store.getAccount(key.accountId) : undefined;
  if (
    !key ||
    !isUsable(key) ||
    !account ||
    account.status !== 'active' ||
    key.accountId !== session.accountId
  ) {
    sessions.delete(id);
    return null;
  }
  return { role: 'account', actor: `key:${key.id}`, accountId: key.accountId, key, session };
}

export function registerSessionGuard(app: FastifyInstance, services: Services, sessions: SessionStore): void {
  app.decorateRequest('dashboardCaller', null);
  app.addHook('onRequest', async (request, reply) => {
    // The client API (`/v1/...`) is never cookie-authenticated: the guard stays out of its way, so a
    // stray cookie next to an `x-api-key` cannot turn a client call into a CSRF refusal.
    if (!GUARDED_PREFIXES.some((prefix) => request.url.startsWith(prefix))) return;
    setSecurityHeaders(request, reply);
    if (request.headers.authorization !== undefined) return;
    const id = readCookie(request.headers.cookie, SESSION_COOKIE);
    const isWrite = WRITE_METHODS.has(request.method);
    // The route Fastify matched, not the raw URL: `/dashboard/%73ession` is the same route.
    const path = request.routeOptions.url ?? request.url.split('?')[0];
    const isSignIn = request.method === 'POST' && path === '/dashboard/session';
    if (isSignIn && !sameOrigin(request)) {
      throw new PorticoError('admin_forbidden', { message: 'Cross-origin sign-in refused' });
    }
    if (!id || id.length > 100) return;
    const caller = await resolveSession(services, sessions, id);
    if (!caller) return;
    // Sign-in itself needs no CSRF token (the page has none yet); every other write does, sign-out too.
    if (isWrite && !isSignIn) {
      const csrf = request.headers[CSRF_HEADER];
      if (!sameOrigin(request))
        throw new PorticoError('admin_forbidden', { message: 'Cross-origin request refused' });
      if (typeof csrf !== 'string' || !sameToken(csrf, caller.session.csrf)) {
        throw new PorticoError('admin_forbidden', { message: 'Missing or invalid X-CSRF-Token header' });
      }
    }
    request.dashboardCaller = caller;
  });
}
