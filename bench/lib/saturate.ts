/**
 * Closed-loop saturation: a fixed number of connections send back to back for a fixed time. wrk when
 * installed (C, cheap on the shared core), autocannon from bench/node_modules otherwise.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOAD_CORE, findExecutable, runPinned } from './processes.ts';
import type { RequestSpec } from './request-spec.ts';

export interface SaturationResult {
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly errors: number;
}

export interface SaturationOptions {
  readonly connections: number;
  readonly seconds: number;
  readonly workDirectory: string;
}

const AUTOCANNON = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url));

export function saturationTool(): 'wrk' | 'autocannon' | undefined {
  if (findExecutable('wrk') !== undefined) return 'wrk';
  if (existsSync(AUTOCANNON)) return 'autocannon';
  return undefined;
}

function luaString(text: string): string {
  if (text.includes(']]')) throw new Error('body cannot be embedded in a Lua long string');
  return `[[${text}]]`;
}

function writeWrkScript(spec: RequestSpec, directory: string): string {
  const lines = [
    'wrk.method = "POST"',
    `wrk.body = ${luaString(spec.body)}`,
    'wrk.headers["Content-Type"] = "application/json"',
  ];
  // Header names and values are plain ASCII, for which a JSON string is also a valid Lua string.
  for (const [name, value] of Object.entries(spec.headers)) {
    lines.push(`wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`);
  }
  const path = join(directory, 'wrk-request.lua');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function runWrk(spec: RequestSpec, options: SaturationOptions): Promise<SaturationResult> {
  const script = writeWrkScript(spec, options.workDirectory);
  const args = [
    '-t1',
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--timeout',
    '10s',
    '-s',
    script,
    spec.url,
  ];
  const finished = await runPinned('wrk', args, LOAD_CORE, (options.seconds + 30) * 1_000);
  const total = /(\d+) requests in ([\d.]+)(m?s)/.exec(finished.stdout);
  if (finished.code !== 0 || total?.[1] === undefined || total[2] === undefined) {
    throw new Error(`wrk failed: ${finished.stdout}${finished.stderr}`);
  }
  const seconds = Number(total[2]) * (total[3] === 'ms' ? 1e-3 : 1);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(finished.stdout);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    finished.stdout,
  );
  const errors =
    Number(non2xx?.[1] ?? 0) +
    (socketErrors === null ? 0 : socketErrors.slice(1).reduce((sum, count) => sum + Number(count), 0));
  const requests = Number(total[1]);
  return { requests, seconds, requestsPerSecond: requests / seconds, errors };
}

interface AutocannonJson {
  readonly requests: { readonly total: number };
  readonly duration: number;
  readonly non2xx: number;
  readonly errors: number;
}

async function runAutocannon(spec: RequestSpec, options: SaturationOptions): Promise<SaturationResult> {
  const args = [
    AUTOCANNON,
    '-j',
    '-c',
    String(options.connections),
    '-d',
    String(options.seconds),
    '-m',
    'POST',
    '-b',
    spec.body,
  ];
  args.push('-H', 'content-type=application/json');
  for (const [name, value] of Object.entries(spec.headers)) args.push('-H', `${name}=${value}`);
  args.push(spec.url);
  const finished = await runPinned(process.execPath, args, LOAD_CORE, (options.seconds + 30) * 1_000);
  const report = JSON.parse(finished.stdout) as AutocannonJson;
  const requests = report.requests.total;
  return {
    requests,
    seconds: report.duration,
    requestsPerSecond: requests / report.duration,
    errors: report.non2xx + report.errors,
  };
}

export function saturate(spec: RequestSpec, options: SaturationOptions): Promise<SaturationResult> {
  const tool = saturationTool();
  if (tool === 'wrk') return runWrk(spec, options);
  if (tool === 'autocannon') return runAutocannon(spec, options);
  throw new Error(
    'no load generator: install wrk (apt-get install -y wrk) or run npm install --prefix bench',
  );
}
