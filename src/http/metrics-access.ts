/**
 * Who may read `/metrics` (issue 17, Low: it shows spend per model). A scraper on the same host (a
 * loopback peer that is not a trusted proxy, so not a forwarded client) reads it freely; anyone else
 * needs the admin key as a bearer, unless the operator set `server.public_metrics: true` for a scraper
 * on a private network. The shipped nginx config also refuses `/metrics` from outside.
 */
import type { FastifyRequest } from 'fastify';
import { PorticoError } from '../errors.ts';
import { hashKey, hashesEqual } from '../keys/api-keys.ts';
import { extractApiKey } from '../pipeline/authenticate.ts';
import type { Services } from '../services.ts';
import type { ProxyTrust } from './trust-proxy.ts';

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

export function metricsAccess(services: Services, trust: ProxyTrust) {
  return async (request: FastifyRequest): Promise<void> => {
    if (services.config.hardening.publicMetrics) return;
    const peer = request.socket.remoteAddress;
    if (isLoopback(peer) && !trust.isTrusted(peer ?? '')) return;
    const token = extractApiKey(request.headers);
    if (token === undefined) throw new PorticoError('authentication_failed');
    if (!hashesEqual(hashKey(token), services.adminKeyHash)) throw new PorticoError('admin_forbidden');
  };
}
