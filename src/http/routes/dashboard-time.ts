/**
 * Time-zone helpers for the dashboard API: validate an IANA zone, print an instant with that zone's
 * offset (`2026-11-25T16:00:00.000-08:00`), and name the local day an instant falls on.
 */
import { PorticoError } from '../../errors.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    if (formatters.size > 500) formatters.clear();
    formatters.set(timeZone, format);
  }
  return format;
}

export function requireTimeZone(value: string | undefined): string {
  if (!value) return 'UTC';
  try {
    formatter(value);
    return value;
  } catch {
    throw new PorticoError('invalid_request', {
      message: 'tz must be an IANA time zone such as Europe/Berlin',
      param: 'tz',
    });
  }
}

function parts(instant: number, timeZone: string): Record<string, number> {
  const result: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') result[part.type] = Number(part.value);
  }
  return result;
}

/** Minutes east of UTC of `timeZone` at `instant`. */
export function offsetMinutes(instant: number, timeZone: string): number {
  const p = parts(instant, timeZone);
  const local = Date.UTC(
    p.year ?? 1970,
    (p.month ?? 1) - 1,
    p.day ?? 1,
    p.hour ?? 0,
    p.minute ?? 0,
    p.second ?? 0,
  );
  return Math.round((local - Math.floor(instant / 1000) * 1000) / 60_000);
}

export function formatInZone(iso: string, timeZone: string): string {
  const instant = Date.parse(iso);
  if (timeZone === 'UTC') return new Date(instant).toISOString().replace('Z', '+00:00');
  const offset = offsetMinutes(instant, timeZone);
  const local = new Date(instant + offset * 60_000).toISOString().slice(0, 23);
  const sign = offset < 0 ? '-' : '+';
  const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
  const minutes = String(Math.abs(offset) % 60).padStart(2, '0');
  return `${local}${sign}${hours}:${minutes}`;
}

/** `YYYY-MM-DD` of the local day in `timeZone` that contains `instant`. */
export function localDay(instant: number, timeZone: string): string {
  const offset = offsetMinutes(instant, timeZone);
  return new Date(instant + offset * 60_000).toISOString().slice(0, 10);
}
