/**
 * The order in which a request's upstream attempts are tried: the model's deployments, then each
 * fallback model's (only those the key may use). Within a model: deployments whose breaker is open are
 * left out, unless all of them are (then the least-bad one is still tried: a model is never ejected
 * whole); the others are in weighted random order, and among equal weights the one with the lowest
 * recent latency goes first. Deployments cooling down after a Retry-After stay in the plan; the attempt
 * router decides whether waiting for them fits the request's budget.
 */
import type { ResolvedConfig, ResolvedDeployment, ResolvedModel } from '../config/load-config.ts';
import type { DeploymentHealth } from './deployment-health.ts';

export interface AttemptTarget {
  readonly model: ResolvedModel;
  readonly deployment: ResolvedDeployment;
  /** `provider/model`, as logged and stored on the ledger row; also the health key. */
  readonly label: string;
  readonly isFallback: boolean;
  /** Tried although its breaker is open, because every deployment of its model is. */
  readonly forced: boolean;
}

/** Weighted shuffle (Efraimidis–Spirakis): higher weight, earlier on average. */
export function weightedOrder<T extends { weight: number }>(items: readonly T[], random = Math.random): T[] {
  return items
    .filter((item) => item.weight > 0)
    .map((item) => ({ item, score: Math.pow(random(), 1 / item.weight) }))
    .sort((a, b) => b.score - a.score)
    .map((entry) => entry.item);
}

/**
 * Latencies within 25% of each other count as equal (a bucket on a log scale), so small noise does not
 * pin all traffic to one deployment. Unknown (or stale) latency sorts first: it is worth learning.
 */
function latencyBucket(latencyMs: number | undefined): number {
  if (latencyMs === undefined) return -Infinity;
  return Math.floor(Math.log(Math.max(1, latencyMs)) / Math.log(1.25));
}

/** Among deployments of equal weight, reorder their slots by latency bucket (stable: ties keep the shuffle). */
export function preferFaster<T extends { weight: number }>(
  ordered: readonly T[],
  latencyOf: (item: T) => number | undefined,
): T[] {
  const result = [...ordered];
  const weights = new Set(ordered.map((item) => item.weight));
  for (const weight of weights) {
    const slots: number[] = [];
    ordered.forEach((item, index) => item.weight === weight && slots.push(index));
    if (slots.length < 2) continue;
    const group = slots.map((slot) => ordered[slot] as T);
    const sorted = group
      .map((item, index) => ({ item, index, bucket: latencyBucket(latencyOf(item)) }))
      .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
      .map((entry) => entry.item);
    slots.forEach((slot, index) => (result[slot] = sorted[index] as T));
  }
  return result;
}

export function deploymentLabel(deployment: ResolvedDeployment): string {
  return `${deployment.provider}/${deployment.model}`;
}

function orderModel(
  model: ResolvedModel,
  isFallback: boolean,
  health: DeploymentHealth | undefined,
  now: number,
  random: () => number,
): AttemptTarget[] {
  const target = (deployment: ResolvedDeployment, forced: boolean): AttemptTarget => ({
    model,
    deployment,
    label: deploymentLabel(deployment),
    isFallback,
    forced,
  });
  const shuffled = weightedOrder(model.deployments, random);
  if (!health) return shuffled.map((deployment) => target(deployment, false));
  const closed = shuffled.filter(
    (deployment) => health.snapshot(deploymentLabel(deployment), now).breaker !== 'open',
  );
  if (closed.length > 0) {
    return preferFaster(
      closed,
      (deployment) => health.snapshot(deploymentLabel(deployment), now).latencyMs,
    ).map((deployment) => target(deployment, false));
  }
  // Every deployment is ejected: still try the one whose breaker would let a probe through soonest.
  const leastBad = [...shuffled].sort(
    (a, b) => health.reopenAt(deploymentLabel(a)) - health.reopenAt(deploymentLabel(b)),
  )[0];
  return leastBad ? [target(leastBad, true)] : [];
}

export function planAttempts(
  config: Pick<ResolvedConfig, 'models'>,
  model: ResolvedModel,
  mayUse: (model: ResolvedModel) => boolean,
  random = Math.random,
  health?: DeploymentHealth,
  now = Date.now(),
): AttemptTarget[] {
  const targets: AttemptTarget[] = [];
  const seen = new Set<string>();
  for (const name of [model.name, ...model.fallbacks]) {
    if (seen.has(name)) continue;
    seen.add(name);
    const candidate = config.models[name];
    if (!candidate || (name !== model.name && !mayUse(candidate))) continue;
    targets.push(...orderModel(candidate, name !== model.name, health, now, random));
  }
  return targets;
}
