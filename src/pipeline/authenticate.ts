/**
 * Stage 1: who is calling. The key comes from `Authorization: Bearer`, `x-api-key` or `x-goog-api-key`;
 * it is hashed and looked up in the in-memory cache. Missing, unknown, expired and revoked keys all get
 * the same 401 body, so the answer reveals nothing about which keys exist.
 */
import { PorticoError } from '../errors.ts';
import { hashKey } from '../keys/api-keys.ts';
import { authenticatedCaller } from '../keys/authenticated-caller.ts';
import type { ApiKeyRecord } from '../store/types.ts';
import type { RequestContext } from './context.ts';

export function extractApiKey(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const space = authorization.indexOf(' ');
    if (space > 0 && authorization.slice(0, space).toLowerCase() === 'bearer') {
      const token = authorization.slice(space + 1).trim();
      return token || undefined;
    }
    return undefined;
  }
  const apiKey = headers['x-api-key'] ?? headers['x-goog-api-key'];
  return typeof apiKey === 'string' && apiKey.trim() ? apiKey.trim() : undefined;
}

export function isUsable(record: ApiKeyRecord | undefined, now = Date.now()): record is ApiKeyRecord {
  if (!record || record.revokedAt) return false;
  return !(record.expiresAt && Date.parse(record.expiresAt) <= now);
}

export async function resolveApiKey(
  context: Pick<RequestContext, 'services' | 'headers'>,
): Promise<ApiKeyRecord> {
  const key = extractApiKey(context.headers);
  if (key === undefined || key.length > 256) throw new PorticoError('authentication_failed');
  const record = await context.services.keyCache.lookup(hashKey(key));
  if (!isUsable(record)) throw new PorticoError('authentication_failed');
  return record;
}

export async function authenticate(context: RequestContext): Promise<void> {
  // The client gate already authenticated this request from its headers, before reading its body.
  context.key = authenticatedCaller(context.headers)?.key ?? (await resolveApiKey(context));
}
