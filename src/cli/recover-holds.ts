/**
 * Start-up recovery of holds left by processes that died (DESIGN.md §4). A hold's process is live when it
 * is this process; when it ran on this host and its PID still runs (and is not our own PID: in a
 * container every restart is PID 1); or when it ran on another host and the hold is younger than
 * `otherHostGraceMs` (other hosts' processes are invisible from here, and no request lives that long).
 * Every other open hold is settled by the store at the held amount and flagged for review.
 */
import { hostname } from 'node:os';
import type { LedgerRow, Store } from '../store/types.ts';

export interface RecoveryOptions {
  ownProcessId: string;
  otherHostGraceMs?: number;
  now?: number;
  host?: string;
  ownPid?: number;
  isAlive?: (pid: number) => boolean;
}

export const DEFAULT_OTHER_HOST_GRACE_MS = 2 * 60 * 60 * 1000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Process ids (`host:pid:nonce`) of the open holds whose process is, as far as we can tell, alive. */
export function liveHolders(
  holds: readonly Pick<LedgerRow, 'processId' | 'createdAt'>[],
  options: RecoveryOptions,
): string[] {
  const host = options.host ?? hostname();
  const ownPid = options.ownPid ?? process.pid;
  const now = options.now ?? Date.now();
  const grace = options.otherHostGraceMs ?? DEFAULT_OTHER_HOST_GRACE_MS;
  const isAlive = options.isAlive ?? pidAlive;
  const live = new Set<string>([options.ownProcessId]);
  for (const hold of holds) {
    if (live.has(hold.processId)) continue;
    const parts = hold.processId.split(':');
    const pid = Number(parts[parts.length - 2]);
    const holdHost = parts.slice(0, -2).join(':');
    if (holdHost === host) {
      if (Number.isInteger(pid) && pid !== ownPid && isAlive(pid)) live.add(hold.processId);
    } else if (now - Date.parse(hold.createdAt) < grace) {
      live.add(hold.processId);
    }
  }
  return [...live];
}

export async function recoverDeadHolds(store: Store, options: RecoveryOptions): Promise<LedgerRow[]> {
  const open = await store.openHolds();
  if (open.length === 0) return [];
  return store.recoverStaleHolds(liveHolders(open, options));
}
