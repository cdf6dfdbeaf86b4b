/**
 * `POST /account/playground/chat` (DASHBOARD.md §b): the playground's call goes through the real
 * `/v1/chat/completions` of this same server with the session's key, so it is admitted, limited,
 * billed and logged like any other call. The answer streams back as the route's own SSE.
 */
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { PorticoError } from '../../errors.ts';
import { findModel, keyAllows } from '../../pipeline/resolve-model.ts';
import type { Services } from '../../services.ts';
import type { Customer } from './account.ts';

const Message = Type.Object(
  {
    role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant')]),
    content: Type.String({ maxLength: 100_000 }),
  },
  { additionalProperties: false },
);
const PlaygroundChat = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 200 }),
    messages: Type.Array(Message, { minItems: 1, maxItems: 100 }),
    max_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_536 })),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  },
  { additionalProperties: false },
);

function ownOrigin(app: FastifyInstance): string {
  const address = app.server.address() as AddressInfo | string | null;
  if (!address || typeof address === 'string')
    throw new PorticoError('internal', { message: 'The server is not listening on TCP' });
  const host =
    address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

export function registerPlaygroundRoute(
  app: FastifyInstance,
  services: Services,
  customerOf: (request: FastifyRequest) => Customer,
): void {
  app.post<{ Body: Static<typeof PlaygroundChat> }>(
    '/account/playground/chat',
    { schema: { body: PlaygroundChat } },
    async (request, reply) => {
      const customer = customerOf(request);
      const model = findModel(services.config.models, request.body.model);
      if (!model || !keyAllows(customer.key, model)) {
        throw new PorticoError('model_forbidden', {
          message: `The key you signed in with may not use '${request.body.model.slice(0, 100)}'`,
          param: 'model',
        });
      }
      if (!customer.secret) throw new PorticoError('authentication_failed');
      const abort = new AbortController();
      // The browser went away (Stop, navigation): end the gateway call too, which settles what it used.
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      const upstream = await fetch(`${ownOrigin(request.server)}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${customer.secret}`,
          'content-type': 'application/json',
          'x-portico-source': 'playground',
        },
        body: JSON.stringify({ ...request.body, stream: true, stream_options: { include_usage: true } }),
        signal: abort.signal,
      });
      reply.code(upstream.status);
      reply.header('content-type', upstream.headers.get('content-type') ?? 'application/json');
      const requestId = upstream.headers.get('x-request-id');
      if (requestId) reply.header('x-portico-request-id', requestId);
      if (!upstream.body) return reply.send(await upstream.text());
      return reply.send(
        Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream<Uint8Array>),
      );
    },
  );
}
