/**
 * Starts the selected systems against one upstream origin, each in its own temporary directory, and
 * records why any of them could not start instead of failing the run.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { rssBytes } from '../lib/proc.ts';
import { sleep } from '../lib/processes.ts';
import type { TargetResult } from '../lib/results.ts';
import type { RegisteredTarget } from '../targets/registry.ts';
import type { RunningTarget } from '../targets/target.ts';

export interface FleetMember {
  readonly target: RegisteredTarget;
  readonly running: RunningTarget;
  readonly result: TargetResult;
}

const IDLE_SETTLE_MS = 1_000;

export async function startOne(
  target: RegisteredTarget,
  result: TargetResult,
  upstreamOrigin: string,
  temporaryRoot: string,
  nodeFlags?: readonly string[],
): Promise<RunningTarget | undefined> {
  if (result.skipped !== undefined) return undefined;
  const reason = target.definition.unavailable();
  if (reason !== undefined) {
    result.skipped = reason;
    process.stdout.write(`  skip ${target.definition.name}: ${reason}\n`);
    return undefined;
  }
  try {
    const workDirectory = mkdtempSync(join(temporaryRoot, `${target.key}-`));
    const running = await target.definition.start({ upstreamOrigin, workDirectory, nodeFlags });
    if (running.pid !== undefined && nodeFlags === undefined) {
      // Idle RSS: started (and, for Portico, its key created), then a second with nothing to do.
      await sleep(IDLE_SETTLE_MS);
      result.idleRss.push(rssBytes(running.pid));
    }
    return running;
  } catch (error) {
    result.skipped = `could not start: ${(error as Error).message.split('\n')[0] ?? ''}`;
    process.stdout.write(`  skip ${target.definition.name}: ${(error as Error).message}\n`);
    return undefined;
  }
}

export async function startFleet(
  targets: readonly RegisteredTarget[],
  results: ReadonlyMap<string, TargetResult>,
  upstreamOrigin: string,
  temporaryRoot: string,
): Promise<FleetMember[]> {
  const members: FleetMember[] = [];
  for (const target of targets) {
    const result = results.get(target.key);
    if (result === undefined) continue;
    const running = await startOne(target, result, upstreamOrigin, temporaryRoot);
    if (running !== undefined) members.push({ target, running, result });
  }
  return members;
}

export async function stopFleet(members: readonly FleetMember[]): Promise<void> {
  for (const member of members) await member.running.stop();
}
