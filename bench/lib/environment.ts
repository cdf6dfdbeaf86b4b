/** A description of the machine and tools, printed with the results so figures can be compared. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { findExecutable } from './processes.ts';

function firstLine(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  const text = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  return text.split('\n')[0] ?? '';
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return match?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The 1-minute load average: anything well above 0 means other work shared the cores during the run. */
export function loadAverage(): string {
  return (loadavg()[0] ?? 0).toFixed(2);
}

export function describeEnvironment(): string[] {
  const tools = [
    ['wrk', ['-v']],
    ['h2load', ['--version']],
    ['nginx', ['-v']],
  ] as const;
  const lines = [
    `CPU: ${cpuModel()}, ${cpus().length} cores`,
    `Node.js ${process.version}`,
    `load average (1 min) at start: ${loadAverage()}`,
  ];
  for (const [name, args] of tools) {
    lines.push(
      findExecutable(name) === undefined ? `${name}: not installed` : `${name}: ${firstLine(name, args)}`,
    );
  }
  return lines;
}
