/** Reads the admit script's reply (see redis-scripts.ts) into the per-subject outcomes decisions are built from. */
import type { SubjectOutcome } from './decision.ts';
import { untilEmptyMs } from './sliding-window.ts';

/** One subject of an admission, with its limits resolved (null = unlimited). */
export interface ScriptEntry {
  readonly id: string;
  readonly rpm: number | null;
  readonly tpm: number | null;
  readonly maxConcurrency: number | null;
}

/** allowed, nowMs, nowSecond */
export const REPLY_HEADER = 3;
/** requests used, wait, newest second; tokens used, wait, newest second; in flight */
export const REPLY_PER_SUBJECT = 7;

export function outcomesFromReply(reply: number[], entries: ReadonlyArray<ScriptEntry>, cost: number) {
  const allowed = reply[0] === 1;
  const nowMs = reply[1]!;
  const nowSecond = reply[2]!;
  const newest = (second: number): number | null => (second < 0 ? null : second);
  const outcomes = entries.map((entry, index): SubjectOutcome => {
    const at = REPLY_HEADER + index * REPLY_PER_SUBJECT;
    const [requestsUsed, requestWait, requestsNewest, tokensUsed, tokenWait, tokensNewest, inFlight] =
      reply.slice(at, at + REPLY_PER_SUBJECT) as [number, number, number, number, number, number, number];
    const outcome: SubjectOutcome = {};
    if (entry.rpm !== null) {
      outcome.requests = allowed
        ? { limit: entry.rpm, used: requestsUsed + 1, waitMs: 0, resetMs: untilEmptyMs(nowSecond, nowMs) }
        : {
            limit: entry.rpm,
            used: requestsUsed,
            waitMs: requestWait,
            resetMs: untilEmptyMs(newest(requestsNewest), nowMs),
          };
    }
    if (entry.tpm !== null) {
      const charged = allowed && cost > 0;
      outcome.tokens = {
        limit: entry.tpm,
        used: tokensUsed + (allowed ? cost : 0),
        waitMs: allowed ? 0 : tokenWait,
        resetMs: untilEmptyMs(charged ? nowSecond : newest(tokensNewest), nowMs),
      };
    }
    if (entry.maxConcurrency !== null) {
      outcome.concurrency = { limit: entry.maxConcurrency, inFlight: inFlight + (allowed ? 1 : 0) };
    }
    return outcome;
  });
  return { allowed, nowSecond, outcomes };
}
