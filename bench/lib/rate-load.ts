/**
 * Constant-rate load for latency: h2load (`--h1 --rps`, per-request log) when installed, otherwise the
 * in-process open-loop client. Returns every successful request's latency in milliseconds.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLoop } from './open-loop.ts';
import { LOAD_CORE, findExecutable, runPinned } from './processes.ts';
import type { RequestSpec } from './request-spec.ts';

export interface LatencyRun {
  readonly latenciesMs: readonly number[];
  readonly failures: number;
  /** Failed requests by cause (status code, or the client's error). */
  readonly failureCauses: ReadonlyMap<string, number>;
}

export interface RateOptions {
  readonly rate: number;
  readonly seconds: number;
  readonly workDirectory: string;
}

// Each h2load client keeps one connection and sends at rate / CLIENTS; 10 keeps every connection far
// from busy at 500 rps, so requests do not queue behind each other.
const CLIENTS = 10;

export function rateTool(): 'h2load' | 'node' {
  return findExecutable('h2load') === undefined ? 'node' : 'h2load';
}

async function runH2load(spec: RequestSpec, options: RateOptions): Promise<LatencyRun> {
  const bodyPath = join(options.workDirectory, 'h2load-body.json');
  const logPath = join(options.workDirectory, 'h2load.log');
  writeFileSync(bodyPath, spec.body);
  writeFileSync(logPath, '');
  const args = ['--h1', '-t', '1', '-c', String(CLIENTS), '-m', '1', `--rps=${options.rate / CLIENTS}`];
  args.push('-D', String(options.seconds), '--warm-up-time', '1', '-d', bodyPath, '--log-file', logPath);
  args.push('-H', 'content-type: application/json');
  for (const [name, value] of Object.entries(spec.headers)) args.push('-H', `${name}: ${value}`);
  args.push(spec.url);
  const finished = await runPinned('h2load', args, LOAD_CORE, (options.seconds + 30) * 1_000);
  if (finished.code !== 0) throw new Error(`h2load failed: ${finished.stdout}${finished.stderr}`);
  const latenciesMs: number[] = [];
  const failureCauses = new Map<string, number>();
  let failures = 0;
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    const [, status, micros] = line.split('\t');
    if (status === undefined || micros === undefined) continue;
    if (status === '200') {
      latenciesMs.push(Number(micros) / 1_000);
      continue;
    }
    failures += 1;
    const cause = status === '-1' ? 'connection failure or timeout' : `status ${status}`;
    failureCauses.set(cause, (failureCauses.get(cause) ?? 0) + 1);
  }
  return { latenciesMs, failures, failureCauses };
}

async function runNode(spec: RequestSpec, options: RateOptions): Promise<LatencyRun> {
  const result = await openLoop(spec, options.rate, options.seconds);
  const failureCauses = new Map<string, number>();
  if (result.failures > 0) failureCauses.set(result.firstFailure ?? 'failed', result.failures);
  return {
    latenciesMs: result.samples.map((sample) => sample.totalMs),
    failures: result.failures,
    failureCauses,
  };
}

export function constantRate(spec: RequestSpec, options: RateOptions): Promise<LatencyRun> {
  return rateTool() === 'h2load' ? runH2load(spec, options) : runNode(spec, options);
}
