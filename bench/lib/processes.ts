/**
 * Child processes of the benchmark: each is pinned to one core with taskset, tracked by PID, and ended
 * by that PID only (never by name).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** Core 0 runs the system under test alone; core 1 runs the load generator and the fake upstream. */
export const GATEWAY_CORE = 0;
export const LOAD_CORE = 1;

// As root, everything the bench starts runs at a raised priority, so that other work on a shared machine
// disturbs the measurement less; elsewhere priorities are left alone.
const NICENESS = -10;
const raisePriority = process.getuid?.() === 0;

/** The argv that runs `command` pinned to `core` (and at a raised priority as root), exec'ing all the way. */
function pinnedArgv(core: number, command: string, args: readonly string[]): [string, string[]] {
  const pinned = ['taskset', '-c', String(core), command, ...args];
  if (!raisePriority) return ['taskset', pinned.slice(1)];
  return ['nice', ['-n', String(NICENESS), ...pinned]];
}

export interface Started {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** The last lines the process wrote, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly core: number;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

const OUTPUT_LIMIT = 8_000;

// Every long-lived child, so an interrupted run can end exactly the processes it started, by PID.
const liveChildren = new Set<ChildProcess>();

export function killStartedChildren(): void {
  for (const child of liveChildren) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  liveChildren.clear();
}

export function findExecutable(name: string): string | undefined {
  const directories = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']);
  for (const directory of directories) {
    const candidate = join(directory, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Starts a process pinned to `core`; taskset execs the command, so the PID is the command's own. */
export function startPinned(options: StartOptions): Started {
  const [program, argv] = pinnedArgv(options.core, options.command, options.args);
  const child = spawn(program, argv, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (child.pid === undefined) throw new Error(`${options.name}: could not start ${options.command}`);
  const pid = child.pid;
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  return {
    name: options.name,
    pid,
    child,
    output: () => tail,
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/** Pins the benchmark runner itself (all its threads) to the load core. */
export function pinSelf(core: number): void {
  spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' });
  if (!raisePriority) return;
  for (const thread of readdirSync(`/proc/${process.pid}/task`)) {
    spawnSync('renice', ['-n', String(NICENESS), '-p', thread], { stdio: 'ignore' });
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Polls `url` until it answers with a status below 500, the process exits, or the timeout passes. */
export async function waitForHttp(url: string, started: Started, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null) {
      throw new Error(
        `${started.name} exited (${started.child.exitCode}): ${started.output().slice(-2_000)}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(
    `${started.name} did not answer ${url} within ${timeoutMs} ms: ${started.output().slice(-2_000)}`,
  );
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion, pinned to `core`; a watchdog kills it if it outlives `timeoutMs`. */
export async function runPinned(
  command: string,
  args: readonly string[],
  core: number,
  timeoutMs: number,
): Promise<Finished> {
  const [program, argv] = pinnedArgv(core, command, args);
  const child = spawn(program, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const watchdog = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(watchdog);
  return { code, stdout, stderr };
}
