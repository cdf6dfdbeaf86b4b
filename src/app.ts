/**
 * `buildApp(services)`: the Fastify app. No globals; tests call `app.inject()` or listen on port 0.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { PorticoError } from './errors.ts';
import { timeOrderedId } from './ids.ts';
import { sendError, toPorticoError } from './http/error-response.ts';
import { doorOf, sendDoorError } from './doors/serve.ts';
import { registerJsonBodyParser } from './http/body-parser.ts';
import { registerClientGate } from './http/client-gate.ts';
import { proxyTrust } from './http/trust-proxy.ts';
import { metricsAccess } from './http/metrics-access.ts';
import { clientErrorHandler } from './http/client-error.ts';
import { registerAdminRoutes } from './http/routes/admin.ts';
import { registerChatRoutes } from './doors/openai-chat/route.ts';
import { registerGeminiNativeRoutes } from './doors/gemini-native/routes.ts';
import { registerMessagesRoutes } from './doors/anthropic-messages/route.ts';
import { registerResponsesRoutes } from './doors/openai-responses/route.ts';
import { registerEmbeddingsRoutes } from './doors/embeddings/route.ts';
import { registerHealthRoutes } from './http/routes/health.ts';
import { registerModelRoutes } from './http/routes/models.ts';
import type { Services } from './services.ts';
import { registerOpenApiRoute } from './http/routes/openapi.ts';
import { registerDashboard } from './http/routes/dashboard.ts';
import { registerOverloadGuard } from './http/overload.ts';

export const PACKAGE_VERSION = '0.1.0';

export async function buildApp(services: Services): Promise<FastifyInstance> {
  const trust = proxyTrust(services.config.hardening.trustProxy);
  const app = Fastify({
    loggerInstance: services.logger as FastifyBaseLogger,
    // One log line per request is the usage ledger's job, not the HTTP server's.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: services.config.maxBodyBytes,
    genReqId: () => timeOrderedId('req_'),
    requestIdHeader: false,
    return503OnClosing: true,
    // Slow clients (slowloris) are cut off; SSE responses are not affected by these.
    connectionTimeout: 0,
    requestTimeout: 120_000,
    keepAliveTimeout: 65_000,
    routerOptions: { maxParamLength: 512 },
    // X-Forwarded-For is believed only from the operator's proxies (server.trust_proxy).
    trustProxy: (address: string) => trust.isTrusted(address),
    clientErrorHandler,
  });
  // Slowloris on the headers (RELIABILITY L4): the whole header block within 15 s.
  app.server.headersTimeout = 15_000;

  registerJsonBodyParser(app, services);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.setErrorHandler((error, request, reply) => {
    const portico = toPorticoError(error);
    if (portico.status >= 500) request.log.error({ err: error }, 'request failed');
    // A door's route answers in its own dialect, also for errors raised before it runs (key, body).
    const door = doorOf(request);
    return door ? sendDoorError(reply, door, portico) : sendError(reply, portico);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new PorticoError('route_not_found', {
        message: `Route ${request.method} ${request.url.split('?')[0]} not found`,
      }),
    ),
  );

  registerClientGate(app, services, trust);
  registerOverloadGuard(app, services);
  registerDashboard(app, services);
  registerHealthRoutes(app, services);
  registerModelRoutes(app, services);
  registerChatRoutes(app, services);
  registerGeminiNativeRoutes(app, services);
  registerMessagesRoutes(app, services);
  registerResponsesRoutes(app, services);
  registerEmbeddingsRoutes(app, services);
  registerAdminRoutes(app, services);
  registerOpenApiRoute(app, PACKAGE_VERSION);
  app.get('/metrics', { onRequest: metricsAccess(services, trust) }, async (_request, reply) => {
    services.metrics.limiterDegraded.set(services.limiter.status().healthy ? 0 : 1);
    services.metrics.openStreams.set(services.sseTicker.size);
    return reply.type(services.metrics.registry.contentType).send(await services.metrics.registry.metrics());
  });
  return app;
}
