/**
 * The order in which a request's upstream attempts are tried: the model's deployments in weighted
 * random order, then each fallback model's (only those the key may use). Routing may stop early: only
 * failures the upstream cannot have billed move on to the next target (DESIGN.md §8).
 */
import type { ResolvedConfig, ResolvedDeployment, ResolvedModel } from '../config/load-config.ts';

export interface AttemptTarget {
  readonly model: ResolvedModel;
  readonly deployment: ResolvedDeployment;
  /** `provider/model`, as logged and stored on the ledger row. */
  readonly label: string;
  readonly isFallback: boolean;
}

/** Weighted shuffle (Efraimidis–Spirakis): higher weight, earlier on average. */
export function weightedOrder<T extends { weight: number }>(items: readonly T[], random = Math.random): T[] {
  return items
    .filter((item) => item.weight > 0)
    .map((item) => ({ item, score: Math.pow(random(), 1 / item.weight) }))
    .sort((a, b) => b.score - a.score)
    .map((entry) => entry.item);
}

export function planAttempts(
  config: Pick<ResolvedConfig, 'models'>,
  model: ResolvedModel,
  mayUse: (model: ResolvedModel) => boolean,
  random = Math.random,
): AttemptTarget[] {
  const targets: AttemptTarget[] = [];
  const seen = new Set<string>();
  const chain = [model.name, ...model.fallbacks];
  for (const name of chain) {
    if (seen.has(name)) continue;
    seen.add(name);
    const candidate = config.models[name];
    if (!candidate || (name !== model.name && !mayUse(candidate))) continue;
    for (const deployment of weightedOrder(candidate.deployments, random)) {
      targets.push({
        model: candidate,
        deployment,
        label: `${deployment.provider}/${deployment.model}`,
        isFallback: name !== model.name,
      });
    }
  }
  return targets;
}
