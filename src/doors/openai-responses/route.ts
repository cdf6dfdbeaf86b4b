/** `POST /v1/responses`: the OpenAI Responses door on the shared admission and exchange. */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.ts';
import { serveDoor } from '../serve.ts';
import { openAIResponsesDoor } from './codec.ts';

export function registerResponsesRoutes(app: FastifyInstance, services: Services): void {
  app.post('/v1/responses', { config: { door: openAIResponsesDoor } }, (request, reply) =>
    serveDoor(services, openAIResponsesDoor, request, reply),
  );
}
