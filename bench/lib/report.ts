/** Turns the measurements into the Markdown tables printed by `npm run bench` and kept in bench/results. */
import type { TargetResult } from './results.ts';
import { summarize } from './stats.ts';

function cell(values: readonly number[], digits: number, scale = 1): string {
  const summary = summarize(values);
  if (summary === undefined) return '–';
  const format = (value: number): string => (value * scale).toFixed(digits);
  if (summary.samples.length === 1) return format(summary.median);
  return `${format(summary.median)} (${format(summary.min)}–${format(summary.max)})`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

const MB = 2 ** 20;

export function resultsTable(results: readonly TargetResult[], openStreamCounts: readonly number[]): string {
  const header = [
    'system',
    'throughput req/s',
    'CPU µs/req (saturated)',
    'core use %',
    'CPU µs/req (500 rps)',
    'p50 ms',
    'p99 ms',
    'added p50 ms',
    'added p99 ms',
    'added TTFT p50 ms',
    'added TTFT p99 ms',
    'added stream time p50 ms',
    'idle RSS MB',
    'idle RSS after warm-up MB',
    ...openStreamCounts.map((count) => `KB RSS/stream @${count}`),
  ];
  const rows = results
    .filter((result) => result.skipped === undefined || result.throughput.length > 0)
    .map((result) => [
      result.name,
      cell(result.throughput, 0),
      cell(result.cpuPerRequest, 0),
      cell(result.coreUse, 0, 100),
      cell(result.cpuPerRequestAtRate, 0),
      cell(result.p50, 3),
      cell(result.p99, 3),
      cell(result.addedP50, 3),
      cell(result.addedP99, 3),
      cell(result.addedTtftP50, 3),
      cell(result.addedTtftP99, 3),
      cell(result.addedStreamTotalP50, 3),
      cell(result.idleRss, 1, 1 / MB),
      cell(result.warmIdleRss, 1, 1 / MB),
      ...openStreamCounts.map((count) => cell(result.rssPerStream.get(count) ?? [], 1, 1 / 1024)),
    ]);
  return table(header, rows);
}

interface Check {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

function medianOf(values: readonly number[]): number | undefined {
  return summarize(values)?.median;
}

/**
 * The median of per-repetition ratios when both series come from the same repetitions (so machine drift
 * between repetitions cancels), else the ratio of the medians.
 */
function medianRatio(values: readonly number[], floor: readonly number[]): number | undefined {
  if (values.length > 0 && values.length === floor.length) {
    return medianOf(values.map((value, index) => value / (floor[index] ?? Number.NaN)));
  }
  const top = medianOf(values);
  const bottom = medianOf(floor);
  return top === undefined || bottom === undefined ? undefined : top / bottom;
}

function check(
  target: string,
  value: number | undefined,
  limit: number,
  unit: string,
  digits: number,
  context = '',
): Check {
  if (value === undefined || !Number.isFinite(value))
    return { target, measured: 'not measured', met: undefined };
  const margin =
    value <= limit
      ? `${(limit - value).toFixed(digits)}${unit} under`
      : `${(value - limit).toFixed(digits)}${unit} over`;
  const extra = context === '' ? '' : `; ${context}`;
  return { target, measured: `${value.toFixed(digits)}${unit} (${margin}${extra})`, met: value <= limit };
}

function figure(value: number | undefined, digits: number, unit: string): string {
  return value === undefined || !Number.isFinite(value) ? '–' : `${value.toFixed(digits)}${unit}`;
}

const FLOOR = 'node-floor';
const PORTICO_MODES = ['portico-openai', 'portico-gemini'];

/**
 * The targets for each Portico mode, every one against the Node floor proxy measured in the same
 * run (medians over repetitions); reported as met or missed, never asserted.
 */
export function targetChecks(
  byKey: ReadonlyMap<string, TargetResult>,
  openStreamCounts: readonly number[],
): string {
  const floor = byKey.get(FLOOR);
  const nginx = byKey.get('nginx-proxy');
  const floorCpu = floor?.cpuPerRequest ?? [];
  const streams = Math.max(...openStreamCounts);
  const checks: Check[] = [];
  for (const key of PORTICO_MODES) {
    const result = byKey.get(key);
    if (result === undefined) continue;
    const label = result.name;
    checks.push(
      check(
        `${label}: CPU/request at saturation ≤ 1.5x the floor`,
        medianRatio(result.cpuPerRequest, floorCpu),
        1.5,
        'x',
        2,
        `${figure(medianOf(result.cpuPerRequest), 0, ' µs')} vs ${figure(medianOf(floorCpu), 0, ' µs')}`,
      ),
      check(
        `${label}: added p99 at 500 rps ≤ 2.5 ms`,
        medianOf(result.addedP99),
        2.5,
        ' ms',
        3,
        `the floor adds ${figure(medianOf(floor?.addedP99 ?? []), 3, ' ms')}`,
      ),
      check(
        `${label}: added TTFT p99 ≤ 1.5 ms`,
        medianOf(result.addedTtftP99),
        1.5,
        ' ms',
        3,
        `the floor adds ${figure(medianOf(floor?.addedTtftP99 ?? []), 3, ' ms')}`,
      ),
      check(
        `${label}: RSS per open stream at ${streams.toLocaleString('en')} streams ≤ 30 KB`,
        (medianOf(result.rssPerStream.get(streams) ?? []) ?? Number.NaN) / 1024,
        30,
        ' KB',
        1,
        `the floor ${figure((medianOf(floor?.rssPerStream.get(streams) ?? []) ?? Number.NaN) / 1024, 1, ' KB')}`,
      ),
      check(
        `${label}: idle RSS ≤ 80 MB`,
        (medianOf(result.idleRss) ?? Number.NaN) / MB,
        80,
        ' MB',
        1,
        `after warm-up ${figure((medianOf(result.warmIdleRss) ?? Number.NaN) / MB, 1, ' MB')}; ` +
          `the floor ${figure((medianOf(floor?.idleRss ?? []) ?? Number.NaN) / MB, 1, ' MB')}`,
      ),
    );
  }
  const rows = checks.map((entry) => [
    entry.target,
    entry.measured,
    entry.met === undefined ? '–' : entry.met ? 'met' : 'missed',
  ]);
  const floorVsNginx = medianRatio(floorCpu, nginx?.cpuPerRequest ?? []);
  const sanity =
    floorVsNginx === undefined || !Number.isFinite(floorVsNginx)
      ? 'The floor against nginx: not measured (nginx missing).'
      : `The floor against nginx in this run: ${floorVsNginx.toFixed(2)}x nginx's CPU per request ` +
        `(${figure(medianOf(floorCpu), 0, ' µs')} vs ${figure(medianOf(nginx?.cpuPerRequest ?? []), 0, ' µs')}), ` +
        `${figure(medianOf(floor?.throughput ?? []), 0, '')} vs ${figure(medianOf(nginx?.throughput ?? []), 0, '')} req/s.`;
  return [table(['target', 'measured (median)', 'result'], rows), '', sanity].join('\n');
}
