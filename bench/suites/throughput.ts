/**
 * Closed-loop saturation: requests per second, and the gateway's CPU per request read from /proc
 * (utime + stime delta / completed requests). Core use near 100% shows the gateway, not the upstream or
 * the load generator, was the bottleneck.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchOptions } from '../lib/options.ts';
import { cpuMicros } from '../lib/proc.ts';
import { saturate, type SaturationResult } from '../lib/saturate.ts';
import { addFailures } from '../lib/results.ts';
import type { FleetMember } from './fleet.ts';

export interface CpuSaturation extends SaturationResult {
  readonly cpuMicros: number | undefined;
}

export async function saturateMember(
  member: FleetMember,
  seconds: number,
  options: BenchOptions,
  temporaryRoot: string,
): Promise<CpuSaturation> {
  const workDirectory = mkdtempSync(join(temporaryRoot, 'load-'));
  const pid = member.running.pid;
  const before = pid === undefined ? undefined : cpuMicros(pid);
  const result = await saturate(member.running.request(false), {
    connections: options.connections,
    seconds,
    workDirectory,
  });
  const used = pid === undefined || before === undefined ? undefined : cpuMicros(pid) - before;
  return { ...result, cpuMicros: used };
}

export async function runThroughput(
  members: readonly FleetMember[],
  options: BenchOptions,
  temporaryRoot: string,
): Promise<void> {
  process.stdout.write(
    `\n# throughput: ${options.connections} connections, ${options.saturationSeconds} s x ${options.repetitions}\n`,
  );
  for (const member of members) await saturateMember(member, options.warmupSeconds, options, temporaryRoot);
  for (let repetition = 0; repetition < options.repetitions; repetition += 1) {
    for (const member of members) {
      const run = await saturateMember(member, options.saturationSeconds, options, temporaryRoot);
      const { result } = member;
      result.throughput.push(run.requestsPerSecond);
      addFailures(result, 'saturation: non-2xx or socket errors', run.errors);
      let cost = '';
      if (run.cpuMicros !== undefined && run.requests > 0) {
        result.cpuPerRequest.push(run.cpuMicros / run.requests);
        result.coreUse.push(run.cpuMicros / (run.seconds * 1e6));
        cost = `, ${(run.cpuMicros / run.requests).toFixed(0)} µs CPU/req, core ${((100 * run.cpuMicros) / (run.seconds * 1e6)).toFixed(0)}%`;
      }
      process.stdout.write(
        `  ${member.target.definition.name}: ${run.requestsPerSecond.toFixed(0)} req/s${cost}${run.errors > 0 ? `, ${run.errors} errors` : ''}\n`,
      );
    }
  }
}
