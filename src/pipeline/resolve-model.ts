/**
 * Stages 3 and 4: which model, and may this key use it. Names match exactly (no case folding, no
 * trimming: ` m1` and `M1` are other names, RELIABILITY S2). An unknown name is a 404 whose suggestion is
 * the closest model the key may use; a known model outside the key's allow-list is a 403.
 */
import type { ResolvedModel } from '../config/load-config.ts';
import { PorticoError } from '../errors.ts';
import type { ApiKeyRecord } from '../store/types.ts';
import type { RequestContext } from './context.ts';

export function findModel(
  models: Readonly<Record<string, ResolvedModel>>,
  name: string,
): ResolvedModel | undefined {
  if (Object.hasOwn(models, name)) return models[name];
  for (const model of Object.values(models)) if (model.aliases.includes(name)) return model;
  return undefined;
}

export function keyAllows(key: ApiKeyRecord, model: ResolvedModel): boolean {
  return key.models === null || key.models.includes(model.name);
}

export function allowedModels(
  models: Readonly<Record<string, ResolvedModel>>,
  key: ApiKeyRecord,
): ResolvedModel[] {
  return Object.values(models).filter((model) => keyAllows(key, model));
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0] as number;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j] as number;
      previous[j] = Math.min(
        above + 1,
        (previous[j - 1] as number) + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return previous[b.length] as number;
}

export function closestModel(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lowered = name.toLowerCase();
  for (const candidate of candidates) {
    const distance = editDistance(lowered, candidate.toLowerCase());
    if (distance < bestDistance || (distance === bestDistance && best !== undefined && candidate < best)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

export function resolveModel(context: RequestContext): void {
  const name = context.body?.model ?? '';
  const { models } = context.services.config;
  const model = findModel(models, name);
  if (!model) {
    const key = context.key;
    const candidates = key ? allowedModels(models, key).map((entry) => entry.name) : Object.keys(models);
    throw new PorticoError('model_not_found', {
      message: `The model '${name.slice(0, 100)}' does not exist`,
      param: 'model',
      suggestion: closestModel(name, candidates),
    });
  }
  context.model = model;
}

export function authorizeModel(context: RequestContext): void {
  if (context.key && context.model && !keyAllows(context.key, context.model)) {
    throw new PorticoError('model_forbidden', {
      message: `This key may not use the model '${context.model.name}'`,
      param: 'model',
    });
  }
}
