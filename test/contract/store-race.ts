/** Runs the multi-process race: N child processes hold and settle against one database file. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SharedLocation } from './store-backends.ts';

export interface RaceReport {
  held: number;
  refused: number;
  charged: number;
  errors: string[];
}

const CHILD = fileURLToPath(new URL('./store-race-child.ts', import.meta.url));

export async function runMultiProcessRace(options: {
  location: SharedLocation;
  accountId: string;
  processes: number;
  iterations: number;
}): Promise<RaceReport[]> {
  const children = Array.from({ length: options.processes }, (_, index) =>
    spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CHILD,
        options.location.url,
        options.location.schema ?? '',
        options.accountId,
        String(options.iterations),
        `race-${index}`,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    ),
  );
  const outputs = children.map((child) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const ready = new Promise<void>((resolve) => {
      const check = () => {
        if (stdout.includes('ready\n')) {
          child.stdout.off('data', check);
          resolve();
        }
      };
      child.stdout.on('data', check);
    });
    const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on('close', (code) => resolve({ code, stdout, stderr })),
    );
    return { child, ready, exited };
  });
  // A barrier: every process has opened the database before any starts writing.
  await Promise.race([
    Promise.all(outputs.map((output) => output.ready)),
    Promise.all(outputs.map((output) => output.exited)),
  ]);
  for (const { child } of outputs) child.stdin.end('go\n');
  const results = await Promise.all(outputs.map((output) => output.exited));
  return results.map(({ code, stdout, stderr }) => {
    const line = stdout.trim().split('\n').pop() ?? '';
    if (code !== 0 || !line.startsWith('{')) {
      return { held: 0, refused: 0, charged: 0, errors: [`child exited ${code}: ${stderr.slice(0, 2000)}`] };
    }
    return JSON.parse(line) as RaceReport;
  });
}
