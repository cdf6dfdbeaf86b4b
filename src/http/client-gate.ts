/**
 * Cheap before expensive on the client API (issue 17, High 2 and Medium 7). Every `/v1/...` and
 * `/v1beta/...` request is authenticated in `onRequest`, from its headers alone, before a byte of its
 * body is read: an unknown, revoked or expired key gets its 401, and an account that cannot pay at all
 * (suspended, or no balance left) gets its 402 on any spending route, then the connection is closed with
 * a lingering close. Only then is the body read (with a deadline, `read-body.ts`) and parsed.
 *
 * Each client address may hold a bounded number of connections that have not authenticated yet; past it
 * new connections are closed at once, so a slowloris from one address cannot take every socket. A
 * connection stops counting once one of its requests authenticates. Connections from a trusted proxy
 * are not counted (the proxy speaks for many clients).
 *
 * Refusals use the route's door error shape (`config.door.errorReply`) when it declares one.
 *
 * The key found here is kept on the request's headers object (under a symbol, invisible to logs and to
 * the client), so the pipeline's `authenticate` stage reuses it instead of looking it up again.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PorticoError } from '../errors.ts';
import { hashKey } from '../keys/api-keys.ts';
import { isUsable } from '../pipeline/authenticate.ts';
import type { Services } from '../services.ts';
import { rememberCaller, type AuthenticatedCaller } from '../keys/authenticated-caller.ts';
import { MAX_KEY_LENGTH, clientKey, isClientApiPath } from './client-key.ts';
import { lingerOnClose } from './lingering-close.ts';
import { toPorticoError } from './error-response.ts';
import type { DoorCodec } from '../doors/codec.ts';
import type { ProxyTrust } from './trust-proxy.ts';

/** Routes that only read (listing models, the key's own limits, counting tokens) are open to $0 keys. */
function spends(request: FastifyRequest): boolean {
  if (request.method !== 'POST') return false;
  const path = request.url.split('?', 1)[0] ?? '';
  return !/count_?tokens$/i.test(path);
}

async function authenticateHeaders(
  services: Services,
  request: FastifyRequest,
): Promise<AuthenticatedCaller> {
  const presented = clientKey(request.headers, request.url);
  if (presented === undefined || presented.length > MAX_KEY_LENGTH) {
    throw new PorticoError('authentication_failed');
  }
  const key = await services.keyCache.lookup(hashKey(presented));
  if (!isUsable(key)) throw new PorticoError('authentication_failed');
  const account = await services.accountCache.lookup(key.accountId);
  if (!account) throw new PorticoError('authentication_failed');
  if (spends(request)) {
    if (account.status !== 'active') {
      throw new PorticoError('insufficient_quota', { message: 'The account is suspended' });
    }
    // The cached balance may be a little stale; the hold is the exact check. This only turns away
    // accounts that cannot pay for anything, before their body costs us a read and a parse.
    if (account.balanceMicros <= 0) throw new PorticoError('insufficient_quota');
  }
  return { key, account };
}

/** Counts connections per client address until one of their requests authenticates. */
class UnauthenticatedConnections {
  readonly #perAddress = new Map<string, number>();
  readonly #limit: number;
  readonly #pending = new WeakSet<Socket>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** False when this address already holds its share: the caller closes the socket. */
  open(socket: Socket, address: string): boolean {
    const count = this.#perAddress.get(address) ?? 0;
    if (count >= this.#limit) return false;
    this.#perAddress.set(address, count + 1);
    this.#pending.add(socket);
    socket.once('close', () => this.settle(socket, address));
    return true;
  }

  settle(socket: Socket, address: string): void {
    if (!this.#pending.delete(socket)) return;
    const count = (this.#perAddress.get(address) ?? 1) - 1;
    if (count <= 0) this.#perAddress.delete(address);
    else this.#perAddress.set(address, count);
  }

  get addresses(): number {
    return this.#perAddress.size;
  }
}

export function registerClientGate(app: FastifyInstance, services: Services, trust: ProxyTrust): void {
  const hardening = services.config.hardening;
  const connections = new UnauthenticatedConnections(hardening.unauthenticatedConnectionsPerIp);
  app.server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    if (trust.isTrusted(address)) return;
    if (!connections.open(socket, address)) socket.destroy();
  });

  app.addHook('onRequest', async (request, reply) => {
    if (!isClientApiPath(request.url)) return;
    try {
      const caller = await authenticateHeaders(services, request);
      rememberCaller(request.headers, caller);
      const socket = request.raw.socket;
      connections.settle(socket, socket.remoteAddress ?? '');
    } catch (error) {
      // The body was not read: close after the answer, letting the client finish sending first.
      reply.header('connection', 'close');
      lingerOnClose(request.raw);
      // In the door's own error shape (Anthropic, Google, OpenAI Responses...) when the route has one.
      const door = (request.routeOptions.config as { door?: DoorCodec } | undefined)?.door;
      if (!door) throw error;
      const answer = door.errorReply(toPorticoError(error));
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    }
  });

  // Any answer that closes the connection before the body was read (413, 408, a parse error) lingers.
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.raw.complete && String(reply.getHeader('connection')).toLowerCase() === 'close') {
      lingerOnClose(request.raw);
    }
    return payload;
  });
}
