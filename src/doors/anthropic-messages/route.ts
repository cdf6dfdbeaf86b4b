/**
 * `POST /v1/messages` and `POST /v1/messages/count_tokens`: the Anthropic Messages door on the shared
 * admission and exchange. The key comes in `x-api-key` or `Authorization: Bearer` (the client gate
 * reads both). `anthropic-version` is optional, as the SDKs always send it and Portico speaks one wire
 * format (2023-06-01); a value that is not a version date is a 400. `anthropic-beta` flags are accepted:
 * the fields they unlock are decoded (or refused) one by one, like any other field.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PorticoError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { sendDoorError, serveDoor } from '../serve.ts';
import { anthropicCountTokensDoor, anthropicMessagesDoor } from './codec.ts';
import { countTokens } from './count-tokens.ts';

const VERSION = /^\d{4}-\d{2}-\d{2}$/;

function versionError(request: FastifyRequest): PorticoError | undefined {
  const version = request.headers['anthropic-version'];
  if (version === undefined || (typeof version === 'string' && VERSION.test(version.trim())))
    return undefined;
  return new PorticoError('invalid_request', {
    message: 'anthropic-version: must be a version date such as 2023-06-01',
    param: 'anthropic-version',
  });
}

export function registerMessagesRoutes(app: FastifyInstance, services: Services): void {
  app.post(
    '/v1/messages',
    { config: { door: anthropicMessagesDoor } },
    async (request, reply): Promise<FastifyReply> => {
      const refused = versionError(request);
      if (refused) return sendDoorError(reply, anthropicMessagesDoor, refused);
      return serveDoor(services, anthropicMessagesDoor, request, reply);
    },
  );
  app.post(
    '/v1/messages/count_tokens',
    { config: { door: anthropicCountTokensDoor } },
    async (request, reply): Promise<FastifyReply> => {
      const refused = versionError(request);
      if (refused) return sendDoorError(reply, anthropicCountTokensDoor, refused);
      return countTokens(services, request, reply);
    },
  );
}
