/**
 * Constant-rate latency. In every repetition each direct baseline runs next to the gateways, and a
 * gateway's added p50/p99 is its percentile minus the direct one of the same format in that repetition.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchOptions } from '../lib/options.ts';
import { cpuMicros } from '../lib/proc.ts';
import { constantRate, rateTool } from '../lib/rate-load.ts';
import { percentile, sortedCopy } from '../lib/stats.ts';
import { addFailures } from '../lib/results.ts';
import type { FleetMember } from './fleet.ts';

interface Percentiles {
  readonly p50: number;
  readonly p99: number;
}

export async function runLatency(
  members: readonly FleetMember[],
  options: BenchOptions,
  temporaryRoot: string,
): Promise<void> {
  process.stdout.write(
    `\n# latency: ${options.latencyRate} req/s for ${options.latencySeconds} s x ${options.repetitions} (${rateTool()})\n`,
  );
  for (let repetition = 0; repetition < options.repetitions; repetition += 1) {
    const direct = new Map<string, Percentiles>();
    for (const member of members) {
      const workDirectory = mkdtempSync(join(temporaryRoot, 'rate-'));
      const pid = member.running.pid;
      const before = pid === undefined ? undefined : cpuMicros(pid);
      const run = await constantRate(member.running.request(false), {
        rate: options.latencyRate,
        seconds: options.latencySeconds,
        workDirectory,
      });
      const { result } = member;
      if (pid !== undefined && before !== undefined && run.latenciesMs.length > 0) {
        result.cpuPerRequestAtRate.push((cpuMicros(pid) - before) / (run.latenciesMs.length + run.failures));
      }
      for (const [cause, count] of run.failureCauses) addFailures(result, `latency: ${cause}`, count);
      const sorted = sortedCopy(run.latenciesMs);
      const measured = { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
      result.p50.push(measured.p50);
      result.p99.push(measured.p99);
      const format = member.target.definition.format;
      let added = '';
      if (member.target.definition.isDirect) {
        direct.set(format, measured);
      } else {
        const baseline = direct.get(format);
        if (baseline !== undefined) {
          result.addedP50.push(measured.p50 - baseline.p50);
          result.addedP99.push(measured.p99 - baseline.p99);
          added = `, added p50 ${(measured.p50 - baseline.p50).toFixed(3)} ms, p99 ${(measured.p99 - baseline.p99).toFixed(3)} ms`;
        }
      }
      process.stdout.write(
        `  ${member.target.definition.name}: p50 ${measured.p50.toFixed(3)} ms, p99 ${measured.p99.toFixed(3)} ms${added}` +
          `${run.failures > 0 ? `, ${run.failures} failed` : ''}\n`,
      );
    }
  }
}
