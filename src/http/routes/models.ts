/** Client routes about the caller's own key: `GET /v1/models`, `GET /v1/models/:id`, `GET /v1/key`. */
import type { FastifyInstance } from 'fastify';
import type { ResolvedModel } from '../../config/load-config.ts';
import { PorticoError } from '../../errors.ts';
import { resolveApiKey } from '../../pipeline/authenticate.ts';
import { allowedModels, closestModel, findModel, keyAllows } from '../../pipeline/resolve-model.ts';
import type { Services } from '../../services.ts';
import { geminiModels, speaksGoogle } from '../../doors/gemini-native/routes.ts';

export function modelObject(model: ResolvedModel, created: number) {
  return {
    id: model.name,
    object: 'model' as const,
    created,
    owned_by: model.simulated ? 'portico-simulator' : 'portico',
    simulated: model.simulated,
    context_window: model.contextWindow,
    max_output_tokens: model.maxOutputTokens,
    pricing: { ...model.pricing, unit: 'USD per 1M tokens' },
    fallbacks: model.fallbacks,
  };
}

export function registerModelRoutes(app: FastifyInstance, services: Services): void {
  const created = Math.floor(services.startedAt / 1000);
  const authenticated = (headers: Record<string, string | string[] | undefined>) =>
    resolveApiKey({ services, headers });

  // Google's clients list models under /v1/ too (@google/genai's default version): their shape for them.
  const gemini = geminiModels(services);

  app.get('/v1/models', async (request, reply) => {
    if (speaksGoogle(request)) return gemini.list(request, reply);
    const key = await authenticated(request.headers);
    return {
      object: 'list',
      data: allowedModels(services.config.models, key).map((model) => modelObject(model, created)),
    };
  });

  app.get<{ Params: { id: string } }>('/v1/models/:id', async (request, reply) => {
    if (speaksGoogle(request)) return gemini.get(request, reply, request.params.id);
    const key = await authenticated(request.headers);
    const model = findModel(services.config.models, request.params.id);
    if (!model || !keyAllows(key, model)) {
      throw new PorticoError('model_not_found', {
        message: `The model '${request.params.id.slice(0, 100)}' does not exist`,
        param: 'model',
        suggestion: closestModel(
          request.params.id,
          allowedModels(services.config.models, key).map((entry) => entry.name),
        ),
      });
    }
    return modelObject(model, created);
  });

  app.get('/v1/key', async (request) => {
    const key = await authenticated(request.headers);
    const account = await services.store.getAccount(key.accountId);
    return {
      id: key.id,
      name: key.name,
      prefix: key.prefix,
      account_id: key.accountId,
      models: key.models,
      limits: { rpm: key.rpm, tpm: key.tpm, max_concurrency: key.maxConcurrency },
      expires_at: key.expiresAt,
      balance_usd: account ? account.balanceMicros / 1_000_000 : 0,
      held_usd: account ? account.heldMicros / 1_000_000 : 0,
      balance_micros: account?.balanceMicros ?? 0,
    };
  });
}
