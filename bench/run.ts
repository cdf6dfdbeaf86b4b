/**
 * `npm run bench`: reproduces Portico's performance figures in one command.
 *
 * Core 0 runs only the system under test; core 1 runs this process, the load generators and the fake
 * upstream. Phases: fake-upstream capacity, throughput and latency (non-streaming), streaming, memory per
 * open stream, and optionally a CPU profile. See bench/README.md for the method.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hotFunctions, type HotFunction } from './lib/cpu-profile.ts';
import { describeEnvironment, loadAverage } from './lib/environment.ts';
import { parseOptions, type BenchOptions } from './lib/options.ts';
import { LOAD_CORE, killStartedChildren, pinSelf } from './lib/processes.ts';
import { resultsTable, targetChecks } from './lib/report.ts';
import { emptyResult, type TargetResult } from './lib/results.ts';
import { saturate, saturationTool } from './lib/saturate.ts';
import { startFleet, startOne, stopFleet } from './suites/fleet.ts';
import { runLatency } from './suites/latency.ts';
import { runMemory } from './suites/memory.ts';
import { runStreaming } from './suites/streaming.ts';
import { runThroughput, saturateMember } from './suites/throughput.ts';
import { BENCH_ROOT, REPOSITORY_ROOT } from './targets/paths.ts';
import { TARGETS, type RegisteredTarget } from './targets/registry.ts';
import {
  startUpstream,
  upstreamUnavailable,
  type RunningUpstream,
  type UpstreamKind,
} from './upstreams/upstreams.ts';

// The simulator is used for non-streaming load only if, alone on the load core, it serves this many
// requests per second: several times what a Node gateway reaches on one core, so it is never the limit.
const SIMULATOR_FAST_ENOUGH_RPS = 20_000;
const UPSTREAM_KINDS: readonly UpstreamKind[] = ['simulator', 'nginx-static', 'light'];
// Held streams for the memory phase: a chunk a second for ten minutes, far longer than a measurement.
const HELD_STREAM = { chunks: 600, chunkDelayMs: 1_000 };
const PROFILE_SECONDS = 10;

function log(text: string): void {
  process.stdout.write(`${text}\n`);
}

function selectTargets(options: BenchOptions): RegisteredTarget[] {
  if (options.only === undefined) return [...TARGETS];
  const wanted = options.only;
  // The direct baselines always run: every added latency is measured against them.
  return TARGETS.filter(
    (target) => target.definition.isDirect || wanted.some((part) => target.key.includes(part)),
  );
}

interface Capacity {
  readonly kind: UpstreamKind;
  readonly requestsPerSecond: number | undefined;
  readonly note: string;
}

async function measureCapacity(
  kind: UpstreamKind,
  options: BenchOptions,
  temporaryRoot: string,
): Promise<Capacity> {
  const unavailable = upstreamUnavailable(kind);
  if (unavailable !== undefined) return { kind, requestsPerSecond: undefined, note: unavailable };
  let upstream: RunningUpstream | undefined;
  try {
    upstream = await startUpstream(kind, temporaryRoot);
    const spec = {
      url: `${upstream.origin}/v1/chat/completions`,
      headers: { authorization: 'Bearer x' },
      body: '{"model":"bench","messages":[{"role":"user","content":"hi"}],"max_tokens":16}',
    };
    const workDirectory = mkdtempSync(join(temporaryRoot, 'capacity-'));
    await saturate(spec, { connections: options.connections, seconds: 1, workDirectory });
    const run = await saturate(spec, {
      connections: options.connections,
      seconds: options.capacitySeconds,
      workDirectory,
    });
    const note = run.errors > 0 ? `${run.errors} errors` : '';
    return {
      kind,
      requestsPerSecond: run.errors > run.requests / 100 ? undefined : run.requestsPerSecond,
      note,
    };
  } catch (error) {
    return {
      kind,
      requestsPerSecond: undefined,
      note: `failed: ${(error as Error).message.split('\n')[0] ?? ''}`,
    };
  } finally {
    await upstream?.process.stop();
  }
}

function chooseUpstream(capacities: readonly Capacity[], forced: string | undefined): UpstreamKind {
  const usable = (kind: UpstreamKind): boolean =>
    capacities.some((entry) => entry.kind === kind && entry.requestsPerSecond !== undefined);
  if (forced !== undefined) {
    const kind = UPSTREAM_KINDS.find((entry) => entry === forced);
    if (kind === undefined || !usable(kind)) throw new Error(`--upstream ${forced} is not usable here`);
    return kind;
  }
  const simulator = capacities.find((entry) => entry.kind === 'simulator')?.requestsPerSecond;
  if (simulator !== undefined && simulator >= SIMULATOR_FAST_ENOUGH_RPS) return 'simulator';
  return usable('nginx-static') ? 'nginx-static' : 'light';
}

interface ProfileSummary {
  readonly target: string;
  readonly requestsPerSecond: number;
  readonly functions: readonly HotFunction[];
}

async function profilePortico(
  upstreamOrigin: string,
  options: BenchOptions,
  temporaryRoot: string,
): Promise<ProfileSummary[]> {
  const summaries: ProfileSummary[] = [];
  for (const target of TARGETS.filter((entry) => entry.key.startsWith('portico'))) {
    const result = emptyResult(target.key, target.definition.name);
    const directory = mkdtempSync(join(temporaryRoot, 'profile-'));
    const running = await startOne(target, result, upstreamOrigin, temporaryRoot, [
      '--cpu-prof',
      '--cpu-prof-dir',
      directory,
    ]);
    if (running === undefined) continue;
    const member = { target, running, result };
    await saturateMember(member, options.warmupSeconds, options, temporaryRoot);
    const run = await saturateMember(member, PROFILE_SECONDS, options, temporaryRoot);
    await running.stop();
    const file = readdirSync(directory).find((name) => name.endsWith('.cpuprofile'));
    if (file === undefined) {
      log(`  no profile written for ${target.definition.name} (did it exit cleanly on SIGTERM?)`);
      continue;
    }
    summaries.push({
      target: target.definition.name,
      requestsPerSecond: run.requestsPerSecond,
      functions: hotFunctions(join(directory, file), REPOSITORY_ROOT, 20),
    });
  }
  return summaries;
}

function profileMarkdown(summaries: readonly ProfileSummary[]): string {
  return summaries
    .map((summary) => {
      const rows = summary.functions.map(
        (entry) =>
          `| ${(entry.share * 100).toFixed(1)}% | ${entry.selfMs.toFixed(0)} | \`${entry.name}\` | ${entry.location} |`,
      );
      return [
        `### ${summary.target} at saturation (${summary.requestsPerSecond.toFixed(0)} req/s under the profiler)`,
        '',
        '| self % | self ms | function | location |',
        '|---|---|---|---|',
        ...rows,
      ].join('\n');
    })
    .join('\n\n');
}

async function withUpstream<T>(
  kind: UpstreamKind,
  temporaryRoot: string,
  shape: { chunks: number; chunkDelayMs: number } | undefined,
  body: (upstream: RunningUpstream) => Promise<T>,
): Promise<T> {
  const upstream = await startUpstream(kind, temporaryRoot, shape);
  try {
    return await body(upstream);
  } finally {
    await upstream.process.stop();
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (availableParallelism() < 2)
    throw new Error('the bench needs two cores: the gateway alone on one, load and upstream on the other');
  if (saturationTool() === undefined)
    throw new Error('no load generator: apt-get install -y wrk, or npm install --prefix bench');
  // Portico runs from the compiled build, as `npm start` runs it: build it first if src is newer.
  const build = spawnSync(process.execPath, ['scripts/build.js', '--if-stale', '--only', 'server'], {
    cwd: REPOSITORY_ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('the server build failed (node scripts/build.js --only server)');
  pinSelf(LOAD_CORE);
  const startedAt = Date.now();
  const temporaryRoot = mkdtempSync(join(tmpdir(), 'portico-bench-'));
  const targets = selectTargets(options);
  const results = new Map<string, TargetResult>(
    targets.map((target) => [target.key, emptyResult(target.key, target.definition.name)]),
  );
  const environment = describeEnvironment();
  log(`Portico bench${options.quick ? ' (quick)' : ''}: ${options.repetitions} repetition(s)`);
  for (const line of environment) log(`  ${line}`);

  try {
    log('\n# fake upstream capacity (alone on the load core, same load generator)');
    const capacities: Capacity[] = [];
    for (const kind of UPSTREAM_KINDS) {
      const capacity = await measureCapacity(kind, options, temporaryRoot);
      capacities.push(capacity);
      const figure =
        capacity.requestsPerSecond === undefined
          ? 'unusable'
          : `${capacity.requestsPerSecond.toFixed(0)} req/s`;
      log(`  ${kind}: ${figure}${capacity.note === '' ? '' : ` (${capacity.note})`}`);
    }
    const chosen = chooseUpstream(capacities, options.upstream);
    // Streams are not a throughput test, so the simulator serves them whenever it works at all; the stream
    // shape is fixed on the upstream's command line because gateways do not forward client headers.
    const simulatorWorks = capacities.some(
      (entry) => entry.kind === 'simulator' && entry.requestsPerSecond !== undefined,
    );
    const streamKind: UpstreamKind = simulatorWorks && options.upstream !== 'light' ? 'simulator' : 'light';
    log(`  non-streaming upstream: ${chosen}; streaming upstream: ${streamKind}`);

    let profiles: ProfileSummary[] = [];
    if (!options.memoryOnly)
      await withUpstream(chosen, temporaryRoot, undefined, async (upstream) => {
        const fleet = await startFleet(targets, results, upstream.origin, temporaryRoot);
        try {
          await runThroughput(fleet, options, temporaryRoot);
          await runLatency(fleet, options, temporaryRoot);
        } finally {
          await stopFleet(fleet);
        }
        if (options.profile) {
          log(`\n# CPU profile of Portico, ${PROFILE_SECONDS} s at saturation`);
          profiles = await profilePortico(upstream.origin, options, temporaryRoot);
          log(profileMarkdown(profiles));
        }
      });

    const streamShape = { chunks: options.streamChunks, chunkDelayMs: options.streamChunkDelayMs };
    if (!options.memoryOnly)
      await withUpstream(streamKind, temporaryRoot, streamShape, async (upstream) => {
        const fleet = await startFleet(targets, results, upstream.origin, temporaryRoot);
        try {
          await runStreaming(fleet, options);
        } finally {
          await stopFleet(fleet);
        }
      });

    if (!options.skipMemory) {
      await withUpstream(streamKind, temporaryRoot, HELD_STREAM, (upstream) =>
        runMemory(targets, results, upstream.origin, options, temporaryRoot),
      );
    }

    const ordered = targets.map((target) => results.get(target.key)).filter((result) => result !== undefined);
    const minutes = ((Date.now() - startedAt) / 60_000).toFixed(1);
    const skipped = ordered
      .filter((result) => result.skipped !== undefined)
      .map((result) => `- ${result.name}: skipped, ${result.skipped}`);
    const notes = ordered.flatMap((result) => result.notes.map((note) => `- ${result.name}: ${note}`));
    const errors = ordered.flatMap((result) =>
      [...result.failures].map(([cause, count]) => `- ${result.name}: ${count} failed requests (${cause})`),
    );
    const capacityLines = capacities.map(
      (entry) =>
        `- ${entry.kind}: ${entry.requestsPerSecond === undefined ? 'unusable' : `${entry.requestsPerSecond.toFixed(0)} req/s`}${entry.note === '' ? '' : ` (${entry.note})`}`,
    );
    const report = [
      `# Portico bench, ${new Date(startedAt).toISOString().slice(0, 10)}${options.quick ? ' (quick)' : ''}`,
      '',
      `${options.repetitions} repetition(s); cells are the median with (min–max) over repetitions. Finished in ${minutes} min.`,
      '',
      '## Environment',
      '',
      ...environment.map((line) => `- ${line}`),
      `- load average (1 min) at the end: ${loadAverage()}`,
      '',
      '## Fake upstream capacity',
      '',
      ...capacityLines,
      `- used for non-streaming runs: ${chosen}; streams: ${streamKind} (${options.streamChunks} chunks, ${options.streamChunkDelayMs} ms apart)`,
      '',
      '## Results',
      '',
      resultsTable(ordered, options.openStreamCounts),
      '',
      '## Targets: Portico against the Node floor proxy (reported, not asserted)',
      '',
      targetChecks(results, options.openStreamCounts),
      ...(skipped.length + notes.length + errors.length > 0
        ? ['', '## Notes', '', ...skipped, ...notes, ...errors]
        : []),
      ...(profiles.length > 0 ? ['', '## CPU profile (top self time)', '', profileMarkdown(profiles)] : []),
      '',
    ].join('\n');
    log(`\n${report}`);
    if (options.write) {
      const directory = join(BENCH_ROOT, 'results');
      mkdirSync(directory, { recursive: true });
      const file = join(
        directory,
        `${new Date(startedAt).toISOString().slice(0, 10)}${options.quick ? '-quick' : ''}.md`,
      );
      writeFileSync(file, report);
      log(`written to bench/results/${file.slice(directory.length + 1)}`);
    }
  } finally {
    killStartedChildren();
    rmSync(temporaryRoot, { recursive: true, force: true });
  }
}

process.on('SIGINT', () => {
  killStartedChildren();
  process.exit(130);
});

main().catch((error: unknown) => {
  killStartedChildren();
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
