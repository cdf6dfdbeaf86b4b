/**
 * The one admin door (issue 17): the bearer admin key or an operator's dashboard session, checked by one
 * hook that both admin plugins register (`registerAdminScope`). Wrong keys are throttled per client
 * address (10 a minute, then 429 with Retry-After), so the admin key cannot be guessed at line rate; a
 * data-plane key is a 403 and does not count as a guess. Bodies in the admin scope are checked strictly
 * against their TypeBox schema: no coercion (`"amount_usd": "5"` is a 400, not 5 dollars).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { PorticoError } from '../errors.ts';
import { hashKey, hashesEqual } from '../keys/api-keys.ts';
import { extractApiKey, isUsable } from '../pipeline/authenticate.ts';
import type { Services } from '../services.ts';
import { sessionAdmitsAdmin } from './session-guard.ts';
import { SignInLimiter } from './sign-in-limiter.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Failed admin-key attempts per client address, shared by every admin plugin of this app. */
    adminGuesses: SignInLimiter;
  }
}

export const ADMIN_GUESSES_PER_MINUTE = 10;

/** The app's admin-guess throttle; call at registration time, on the root instance. */
export function adminGuessesOf(app: FastifyInstance): SignInLimiter {
  if (!app.hasDecorator('adminGuesses')) {
    app.decorate('adminGuesses', new SignInLimiter({ failuresPerWindow: ADMIN_GUESSES_PER_MINUTE }));
  }
  return app.adminGuesses;
}

/** Bearer admin key, or an operator's dashboard session (its CSRF was checked by the session guard). */
export async function requireAdmin(
  request: FastifyRequest,
  services: Services,
  guesses?: SignInLimiter,
): Promise<void> {
  if (sessionAdmitsAdmin(request)) return;
  const bucket = [`ip:${request.ip}`];
  if (guesses?.blocked(bucket)) {
    throw new PorticoError('rate_limited', {
      message: 'Too many failed admin authentications; wait a minute',
      retryAfterSeconds: 60,
    });
  }
  const token = extractApiKey(request.headers);
  if (token === undefined) throw new PorticoError('authentication_failed');
  const hash = hashKey(token);
  if (hashesEqual(hash, services.adminKeyHash)) return;
  const record = await services.keyCache.lookup(hash);
  if (isUsable(record)) throw new PorticoError('admin_forbidden');
  guesses?.fail(bucket);
  throw new PorticoError('authentication_failed');
}

function strictBodyValidator({ schema, httpPart }: { schema: unknown; httpPart?: string }) {
  const compiled = TypeCompiler.Compile(schema as TSchema);
  return (data: unknown) => {
    if (compiled.Check(data)) return { value: data };
    const first = compiled.Errors(data).First();
    const param = first?.path.replace(/^\//, '').replace(/\//g, '.') || undefined;
    const where = httpPart === 'body' ? 'body' : httpPart;
    return {
      error: new PorticoError('invalid_request', {
        message: first
          ? `Invalid ${where} field ${param ?? ''}: ${first.message}`.replace('  ', ' ')
          : 'Invalid request',
        param,
      }),
    };
  };
}

/** Inside an admin plugin: the admin auth hook and strict schemas. */
export function registerAdminScope(admin: FastifyInstance, services: Services, guesses: SignInLimiter): void {
  admin.setValidatorCompiler(strictBodyValidator);
  admin.addHook('onRequest', async (request) => requireAdmin(request, services, guesses));
}
