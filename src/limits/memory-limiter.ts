/**
 * The in-process limiter: one process's exact sliding windows and in-flight counts. Also the fallback each
 * Redis limiter runs on (with its share of every limit) while Redis is unreachable.
 *
 * State is bounded: subjects live in a Map kept in least-recently-used order; every admission sweeps a few
 * of the oldest and drops those idle for a full window with nothing in flight, and a hard cap forgets the
 * least recently used beyond `maxSubjects`.
 */
import { buildDecision, limitOf, normalizeTokens, type SubjectOutcome, type WindowAxis } from './decision.ts';
import { RETENTION_SECONDS, SecondBuckets, untilEmptyMs, waitUntilFits } from './sliding-window.ts';
import type { AdmissionTicket, AdmitSubject, LimitDecision, Limiter } from './types.ts';

export interface MemoryLimiterOptions {
  /** Clock in milliseconds; monotonic by default, injectable for tests. */
  now?: () => number;
  /** Subjects tracked at once before the least recently used is forgotten. Default 100,000. */
  maxSubjects?: number;
}

export interface MemoryLimiter extends Limiter {
  readonly kind: 'memory';
  /** How many subjects hold state right now (for tests and metrics). */
  readonly trackedSubjects: number;
  /**
   * Returns every subject's usage in the current window and forgets it (in-flight counts stay). The Redis
   * limiter hands its fallback's usage back to Redis this way when Redis recovers.
   */
  takeWindowUsage(): WindowUsage[];
  /**
   * Charges every subject as an admission would, without checking its limits: the Redis limiter mirrors
   * what Redis admitted, so that its fallback starts from this instance's recent usage and slots.
   */
  record(subjects: ReadonlyArray<AdmitSubject>, tokens: number): AdmissionTicket;
}

export interface WindowUsage {
  id: string;
  requests: number;
  tokens: number;
}

interface SubjectState {
  readonly buckets: SecondBuckets;
  inFlight: number;
  touchedMs: number;
}

interface Entry {
  readonly state: SubjectState;
  readonly rpm: number | null;
  readonly tpm: number | null;
  readonly maxConcurrency: number | null;
}

const DEFAULT_MAX_SUBJECTS = 100_000;
/** Subjects examined per admission by the idle sweep; keeps its cost constant. */
const SWEEP_BATCH = 8;
const monotonicNow = (): number => performance.timeOrigin + performance.now();

export function createMemoryLimiter(options: MemoryLimiterOptions = {}): MemoryLimiter {
  const now = options.now ?? monotonicNow;
  const maxSubjects = Math.max(1, options.maxSubjects ?? DEFAULT_MAX_SUBJECTS);
  const subjects = new Map<string, SubjectState>();

  function touch(id: string, nowMs: number): SubjectState {
    let state = subjects.get(id);
    if (state) subjects.delete(id);
    else state = { buckets: new SecondBuckets(), inFlight: 0, touchedMs: nowMs };
    state.touchedMs = nowMs;
    subjects.set(id, state);
    return state;
  }

  function sweep(nowMs: number): void {
    let examined = 0;
    for (const [id, state] of subjects) {
      if (examined++ >= SWEEP_BATCH || nowMs - state.touchedMs < RETENTION_SECONDS * 1000) break;
      subjects.delete(id);
      // Something still in flight (a long stream): keep it, at the young end, so the sweep moves on.
      if (state.inFlight > 0) subjects.set(id, state);
    }
    while (subjects.size > maxSubjects) {
      const oldest = subjects.keys().next();
      if (oldest.done) break;
      subjects.delete(oldest.value);
    }
  }

  function windowAxis(
    state: SubjectState,
    axis: 'requests' | 'tokens',
    limit: number,
    cost: number,
    nowMs: number,
  ) {
    const used = state.buckets.total(axis);
    const waitMs = waitUntilFits(state.buckets.list(axis), used, cost, limit, nowMs);
    return { limit, used, waitMs, resetMs: untilEmptyMs(state.buckets.newestSecond(axis), nowMs) };
  }

  function evaluate(entries: ReadonlyArray<Entry>, cost: number, nowMs: number) {
    let allowed = true;
    const outcomes = entries.map((entry): SubjectOutcome => {
      const outcome: SubjectOutcome = {};
      if (entry.rpm !== null) outcome.requests = windowAxis(entry.state, 'requests', entry.rpm, 1, nowMs);
      if (entry.tpm !== null) outcome.tokens = windowAxis(entry.state, 'tokens', entry.tpm, cost, nowMs);
      if (entry.maxConcurrency !== null) {
        outcome.concurrency = { limit: entry.maxConcurrency, inFlight: entry.state.inFlight };
      }
      if (outcome.requests?.waitMs || outcome.tokens?.waitMs) allowed = false;
      if (outcome.concurrency && outcome.concurrency.inFlight >= outcome.concurrency.limit) allowed = false;
      return outcome;
    });
    return { allowed, outcomes };
  }

  function charge(axis: WindowAxis | undefined, amount: number, second: number, nowMs: number): void {
    if (!axis) return;
    axis.used += amount;
    if (amount > 0) axis.resetMs = untilEmptyMs(second, nowMs);
  }

  function ticketFor(entries: ReadonlyArray<Entry>, second: number, cost: number): AdmissionTicket {
    let released = false;
    return {
      async release(actualTokens: number): Promise<void> {
        if (released) return;
        released = true;
        const nowMs = now();
        const delta = normalizeTokens(actualTokens) - cost;
        for (const entry of entries) {
          if (entry.tpm !== null && delta !== 0)
            entry.state.buckets.correctTokens(second, delta, Math.floor(nowMs / 1000));
          if (entry.maxConcurrency !== null) entry.state.inFlight = Math.max(0, entry.state.inFlight - 1);
          entry.state.touchedMs = Math.max(entry.state.touchedMs, nowMs);
        }
      },
    };
  }

  /** Evaluates and, when allowed (or `force`d), charges every subject; returns the decision and ticket. */
  function admitOrRecord(requested: ReadonlyArray<AdmitSubject>, estimatedTokens: number, force: boolean) {
    const nowMs = now();
    const second = Math.floor(nowMs / 1000);
    const cost = normalizeTokens(estimatedTokens);
    sweep(nowMs);
    const entries = requested.map(({ id, spec }): Entry => {
      const state = touch(id, nowMs);
      state.buckets.prune(second);
      return {
        state,
        rpm: limitOf(spec, 'rpm'),
        tpm: limitOf(spec, 'tpm'),
        maxConcurrency: limitOf(spec, 'maxConcurrency'),
      };
    });
    const { allowed, outcomes } = evaluate(entries, cost, nowMs);
    if (!allowed && !force) return { decision: buildDecision(false, outcomes) };
    entries.forEach((entry, index) => {
      const outcome = outcomes[index]!;
      entry.state.buckets.add(second, entry.rpm === null ? 0 : 1, entry.tpm === null ? 0 : cost);
      if (entry.maxConcurrency !== null) entry.state.inFlight++;
      charge(outcome.requests, 1, second, nowMs);
      charge(outcome.tokens, cost, second, nowMs);
      if (outcome.concurrency) outcome.concurrency.inFlight++;
    });
    const decision: LimitDecision = buildDecision(true, outcomes);
    return { decision, ticket: ticketFor(entries, second, cost) };
  }

  return {
    kind: 'memory',
    get trackedSubjects() {
      return subjects.size;
    },
    async admit(requested: ReadonlyArray<AdmitSubject>, estimatedTokens: number) {
      return admitOrRecord(requested, estimatedTokens, false);
    },
    record(requested: ReadonlyArray<AdmitSubject>, tokens: number): AdmissionTicket {
      const { ticket } = admitOrRecord(requested, tokens, true);
      if (!ticket) throw new Error('a forced admission always has a ticket');
      return ticket;
    },
    takeWindowUsage() {
      const second = Math.floor(now() / 1000);
      const usage: WindowUsage[] = [];
      for (const [id, state] of subjects) {
        state.buckets.prune(second);
        if (state.buckets.isEmpty) continue;
        usage.push({ id, requests: state.buckets.total('requests'), tokens: state.buckets.total('tokens') });
        state.buckets.clear();
      }
      return usage;
    },
    status() {
      return { healthy: true };
    },
    async close() {
      subjects.clear();
    },
  };
}
