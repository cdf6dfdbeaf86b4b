/**
 * The shared limiter: every instance admits through one atomic Redis script, so N processes enforce one
 * limit. When Redis fails or is slow, the instance switches to an in-process limiter holding its share of
 * every limit (limit / instances, at least 1), reports itself degraded, probes Redis in the background and
 * switches back by itself, handing the usage it admitted meanwhile to Redis. While degraded it also
 * keeps to its share of what the cluster had left when the outage began (`outage-budget.ts`), counting
 * an admission whose command timed out as used, since Redis may still have run it.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { buildDecision, limitOf, normalizeTokens } from './decision.ts';
import {
  outcomesFromReply,
  REPLY_HEADER,
  REPLY_PER_SUBJECT,
  type ScriptEntry as Entry,
} from './redis-reply.ts';
import { createMemoryLimiter } from './memory-limiter.ts';
import { OutageBudget } from './outage-budget.ts';
import {
  clampCommandTimeout,
  connectRedis,
  CONNECT_TIMEOUT_MS,
  integerReply,
  runScript,
} from './redis-connection.ts';
import { ADMIT_SCRIPT, CARRY_SCRIPT, RELEASE_SCRIPT, script } from './redis-scripts.ts';
import type { AdmissionTicket, AdmitSubject, LimitSpec, Limiter, LimiterStatus } from './types.ts';

export interface RedisLimiterOptions {
  url: string;
  /** Prepended to every key; give each deployment (and each test) its own. */
  keyPrefix: string;
  /** Instances sharing the limits; the fallback admits limit / instances (at least 1). Default 1. */
  instances?: number;
  /** Per-command timeout in ms, at most 250 (the default). */
  commandTimeoutMs?: number;
  /** How long a concurrency slot outlives a crashed instance that never released it. Default 15 min. */
  concurrencyLeaseMs?: number;
  /** How often Redis is probed while degraded. Default 1 s. */
  probeIntervalMs?: number;
}

export interface RedisLimiterSettings {
  readonly keyPrefix: string;
  readonly instances: number;
  readonly commandTimeoutMs: number;
  readonly concurrencyLeaseMs: number;
  readonly probeIntervalMs: number;
}

export interface RedisLimiter extends Limiter {
  readonly kind: 'redis';
  readonly settings: RedisLimiterSettings;
  /** Redis calls that failed or timed out since start (each one sent the instance to its fallback). */
  readonly redisFailures: number;
}

const ADMIT = script(ADMIT_SCRIPT);
const RELEASE = script(RELEASE_SCRIPT);
const CARRY = script(CARRY_SCRIPT);
/** Slot releases kept for Redis's return; beyond this many, the oldest are left to their lease. */
const MAX_PENDING_SLOT_RELEASES = 10_000;

/** One instance's share of a limit while it cannot see the others: limit / instances, at least 1. */
export function fallbackShare(spec: LimitSpec, instances: number): LimitSpec {
  const share = (limit: number | null | undefined): number | null | undefined =>
    typeof limit === 'number' && limit > 0 ? Math.max(1, Math.floor(limit / instances)) : limit;
  return { rpm: share(spec.rpm), tpm: share(spec.tpm), maxConcurrency: share(spec.maxConcurrency) };
}

function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `redis unavailable (${message}); admitting this instance's share of each limit locally`;
}

export function createRedisLimiter(options: RedisLimiterOptions): RedisLimiter {
  const settings: RedisLimiterSettings = Object.freeze({
    keyPrefix: options.keyPrefix,
    instances: Math.max(1, Math.floor(options.instances ?? 1)),
    commandTimeoutMs: clampCommandTimeout(options.commandTimeoutMs),
    concurrencyLeaseMs: Math.max(1000, options.concurrencyLeaseMs ?? 15 * 60_000),
    probeIntervalMs: Math.max(10, options.probeIntervalMs ?? 1000),
  });
  const client: Redis = connectRedis(options.url, settings.commandTimeoutMs);
  // Decides while Redis is away; while Redis answers it mirrors this instance's admissions (a shadow), so
  // the fallback starts from this instance's recent usage and slots instead of from zero.
  const fallback = createMemoryLimiter();
  // What the fallback admitted in the current window, handed to Redis when it is back.
  const outageUsage = createMemoryLimiter();
  const outageBudget = new OutageBudget(settings.instances);
  let degraded: string | undefined;
  let everReady = false;
  let closed = false;
  let probeTimer: NodeJS.Timeout | undefined;
  let probing = false;
  /**
   * Slots Redis may hold that nobody will release: tickets released while Redis was away, and admissions
   * whose command timed out (Redis can still run it when it resumes). Freed when Redis is back.
   */
  let pendingSlotReleases: Array<{ ticketId: string; keys: string[] }> = [];

  const windowKey = (id: string): string => `${settings.keyPrefix}lim:w:${id}`;
  const flightKey = (id: string): string => `${settings.keyPrefix}lim:c:${id}`;
  const keysOf = (entries: ReadonlyArray<{ id: string }>): string[] =>
    entries.flatMap((entry) => [windowKey(entry.id), flightKey(entry.id)]);

  let redisFailures = 0;

  function markDegraded(reason: string): void {
    if (closed) return;
    redisFailures++;
    degraded = reason;
    probeTimer ??= setInterval(() => void probe(), settings.probeIntervalMs).unref();
  }

  function releaseSlotLater(entries: ReadonlyArray<Entry>, ticketId: string): void {
    const keys = entries.filter((entry) => entry.maxConcurrency !== null).map((entry) => flightKey(entry.id));
    if (keys.length === 0) return;
    pendingSlotReleases.push({ ticketId, keys });
    if (pendingSlotReleases.length > MAX_PENDING_SLOT_RELEASES) pendingSlotReleases.shift();
  }

  async function recover(): Promise<void> {
    degraded = undefined;
    outageBudget.reset();
    clearInterval(probeTimer);
    probeTimer = undefined;
    const releases = pendingSlotReleases;
    pendingSlotReleases = [];
    if (releases.length > 0) {
      const pipeline = client.pipeline();
      for (const { ticketId, keys } of releases) for (const key of keys) pipeline.zrem(key, ticketId);
      await pipeline.exec().catch(() => undefined);
    }
    // What the fallback admitted while Redis was away still counts for the rest of the window.
    const usage = outageUsage.takeWindowUsage();
    if (usage.length === 0) return;
    const args = usage.flatMap((item) => [item.requests, item.tokens]);
    try {
      await runScript(
        client,
        CARRY,
        usage.map((item) => windowKey(item.id)),
        args,
      );
    } catch (error) {
      markDegraded(describeFailure(error));
    }
  }

  async function probe(): Promise<void> {
    if (probing || closed || client.status !== 'ready') return;
    probing = true;
    try {
      await client.ping();
      await recover();
    } catch {
      // Still unreachable; the next tick tries again.
    } finally {
      probing = false;
    }
  }

  client.on('error', (error: Error) => {
    if (everReady) markDegraded(describeFailure(error));
  });
  client.on('close', () => {
    if (everReady) markDegraded('redis connection closed; admitting locally until it is back');
  });
  client.once('ready', () => (everReady = true));
  // Settles when the first connection attempt does: ready, refused or closed.
  const firstAttempt = new Promise<void>((resolve) => {
    for (const event of ['ready', 'error', 'close']) client.once(event, () => resolve());
  });

  /** At start-up only: wait for the first connection attempt, at most its connect timeout. */
  async function awaitFirstConnection(): Promise<void> {
    if (everReady) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, CONNECT_TIMEOUT_MS)));
    await Promise.race([firstAttempt, timeout]);
    clearTimeout(timer);
  }

  function redisTicket(
    entries: ReadonlyArray<Entry>,
    ticketId: string,
    second: number,
    cost: number,
    shadow: AdmissionTicket,
  ): AdmissionTicket {
    let released = false;
    return {
      async release(actualTokens: number): Promise<void> {
        if (released) return;
        released = true;
        await shadow.release(actualTokens);
        // While Redis is away the token correction is dropped and the slot is freed once Redis is back.
        if (closed) return;
        if (degraded !== undefined) return releaseSlotLater(entries, ticketId);
        const args: Array<string | number> = [ticketId, second, normalizeTokens(actualTokens) - cost];
        for (const entry of entries)
          args.push(entry.tpm !== null ? 1 : 0, entry.maxConcurrency !== null ? 1 : 0);
        try {
          await runScript(client, RELEASE, keysOf(entries), args);
        } catch (error) {
          markDegraded(describeFailure(error));
          releaseSlotLater(entries, ticketId);
        }
      },
    };
  }

  const sharesOf = (subjects: ReadonlyArray<AdmitSubject>): AdmitSubject[] =>
    subjects.map(({ id, spec }) => ({ id, spec: fallbackShare(spec, settings.instances) }));

  async function admitLocally(subjects: ReadonlyArray<AdmitSubject>, estimatedTokens: number) {
    const budgets = subjects.map(({ id, spec }) => ({
      id,
      limits: { rpm: limitOf(spec, 'rpm'), tpm: limitOf(spec, 'tpm') },
    }));
    const short = outageBudget.take(budgets, normalizeTokens(estimatedTokens));
    if (short) {
      // The refusal states this instance's share, as the fallback's own refusals do.
      const outcomes = sharesOf(subjects).map(({ spec }) => {
        const rpm = limitOf(spec, 'rpm');
        return rpm !== null
          ? { requests: { limit: rpm, used: rpm, waitMs: short.waitMs, resetMs: short.waitMs } }
          : {};
      });
      return { decision: buildDecision(false, outcomes) };
    }
    const result = await fallback.admit(sharesOf(subjects), estimatedTokens);
    const local = result.ticket;
    if (!local) return result;
    const windowsOnly = subjects.map(({ id, spec }) => ({ id, spec: { rpm: spec.rpm, tpm: spec.tpm } }));
    const carried = outageUsage.record(windowsOnly, estimatedTokens);
    const ticket: AdmissionTicket = {
      async release(actualTokens) {
        await Promise.all([local.release(actualTokens), carried.release(actualTokens)]);
      },
    };
    return { decision: result.decision, ticket };
  }

  return {
    kind: 'redis',
    settings,
    get redisFailures() {
      return redisFailures;
    },
    async admit(subjects, estimatedTokens) {
      if (degraded === undefined) await awaitFirstConnection();
      if (degraded !== undefined || closed) return admitLocally(subjects, estimatedTokens);
      const cost = normalizeTokens(estimatedTokens);
      const entries = subjects.map(({ id, spec }): Entry => ({
        id,
        rpm: limitOf(spec, 'rpm'),
        tpm: limitOf(spec, 'tpm'),
        maxConcurrency: limitOf(spec, 'maxConcurrency'),
      }));
      const ticketId = randomUUID();
      const args: Array<string | number> = [cost, ticketId, settings.concurrencyLeaseMs];
      for (const entry of entries) args.push(entry.rpm ?? -1, entry.tpm ?? -1, entry.maxConcurrency ?? -1);
      let reply: number[];
      // Only a command sent on a live connection may have run on Redis; one that never left (no
      // connection yet, refused) is not in doubt and must not shrink the outage share.
      const sentLive = client.status === 'ready';
      try {
        const raw = await runScript(client, ADMIT, keysOf(entries), args);
        reply = integerReply(raw, REPLY_HEADER + entries.length * REPLY_PER_SUBJECT);
      } catch (error) {
        markDegraded(describeFailure(error));
        releaseSlotLater(entries, ticketId);
        if (sentLive) for (const entry of entries) outageBudget.inDoubt(entry.id, cost);
        return admitLocally(subjects, estimatedTokens);
      }
      const { allowed, nowSecond, outcomes } = outcomesFromReply(reply, entries, cost);
      for (const [index, entry] of entries.entries()) {
        const outcome = outcomes[index];
        outageBudget.observe(entry.id, outcome?.requests?.used ?? 0, outcome?.tokens?.used ?? 0);
      }
      const decision = buildDecision(allowed, outcomes);
      if (!allowed) return { decision };
      const shadow = fallback.record(sharesOf(subjects), cost);
      return { decision, ticket: redisTicket(entries, ticketId, nowSecond, cost, shadow) };
    },
    status(): LimiterStatus {
      return degraded === undefined ? { healthy: true } : { healthy: false, degraded };
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(probeTimer);
      probeTimer = undefined;
      await Promise.all([fallback.close(), outageUsage.close()]);
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
