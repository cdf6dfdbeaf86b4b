/**
 * Reads a process's CPU time and memory from /proc, so the cost of a gateway is measured by the kernel's
 * accounting rather than estimated from the outside.
 */
import { readFileSync } from 'node:fs';

// USER_HZ is 100 on every Linux the project runs on (getconf CLK_TCK); /proc reports ticks of it.
const MICROSECONDS_PER_TICK = 10_000;

/** utime + stime of the process, in microseconds. */
export function cpuMicros(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; the fields after its closing parenthesis are fixed.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return (userTicks + systemTicks) * MICROSECONDS_PER_TICK;
}

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (match?.[1] === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}
