/** `POST /v1/chat/completions`: the OpenAI chat door on the shared admission and exchange. */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.ts';
import { serveDoor } from '../serve.ts';
import { openAIChatDoor } from './codec.ts';

export function registerChatRoutes(app: FastifyInstance, services: Services): void {
  app.post('/v1/chat/completions', { config: { door: openAIChatDoor } }, (request, reply) =>
    serveDoor(services, openAIChatDoor, request, reply),
  );
}
