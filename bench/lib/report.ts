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
      ...openStreamCounts.map((count) => {
        const bytes = result.rssPerStream.get(count);
        return bytes === undefined ? '–' : (bytes / 1024).toFixed(1);
      }),
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

function check(target: string, value: number | undefined, limit: number, unit: string, digits = 2): Check {
  if (value === undefined || !Number.isFinite(value))
    return { target, measured: 'not measured', met: undefined };
  const margin =
    value <= limit
      ? `${(limit - value).toFixed(digits)}${unit} under`
      : `${(value - limit).toFixed(digits)}${unit} over`;
  return { target, measured: `${value.toFixed(digits)}${unit} (${margin})`, met: value <= limit };
}

/** The targets, reported (never asserted) for each Portico mode. */
export function targetChecks(byKey: ReadonlyMap<string, TargetResult>): string {
  const nodeCpu = medianOf(byKey.get('node-proxy')?.cpuPerRequest ?? []);
  const checks: Check[] = [];
  for (const key of ['portico-openai', 'portico-gemini']) {
    const result = byKey.get(key);
    if (result === undefined) continue;
    const label = result.name;
    const cpu = medianOf(result.cpuPerRequest);
    checks.push(
      check(
        `${label}: CPU/request ≤ 2x minimal Node proxy`,
        cpu !== undefined && nodeCpu !== undefined ? cpu / nodeCpu : undefined,
        2,
        'x',
      ),
      check(`${label}: added p50 at 500 rps ≤ 1.5 ms`, medianOf(result.addedP50), 1.5, ' ms', 3),
      check(`${label}: added p99 at 500 rps ≤ 3 ms`, medianOf(result.addedP99), 3, ' ms', 3),
      check(`${label}: added TTFT p99 ≤ 2 ms`, medianOf(result.addedTtftP99), 2, ' ms', 3),
      check(
        `${label}: RSS per open stream at 5,000 ≤ 50 KB`,
        (result.rssPerStream.get(5_000) ?? Number.NaN) / 1024,
        50,
        ' KB',
        1,
      ),
    );
  }
  const openAi = medianOf(byKey.get('portico-openai')?.cpuPerRequest ?? []);
  const gemini = medianOf(byKey.get('portico-gemini')?.cpuPerRequest ?? []);
  checks.push(
    check(
      'Gemini mode CPU/request within 1.3x of OpenAI mode',
      openAi !== undefined && gemini !== undefined ? gemini / openAi : undefined,
      1.3,
      'x',
    ),
  );
  const rows = checks.map((entry) => [
    entry.target,
    entry.measured,
    entry.met === undefined ? '–' : entry.met ? 'met' : 'missed',
  ]);
  return table(['target', 'measured (median)', 'result'], rows);
}
