/**
 * Per-request knobs: `x-sim-*` headers, or a `[[sim:...]]` marker anywhere in the request body's text.
 * The marker exists because a gateway rightly forwards no client headers upstream; a test that talks to
 * the simulator through Portico writes `[[sim:chunks=200;stall_after=3]]` into its prompt instead.
 *
 * Knobs (header / marker name): `x-sim-latency-ms` / `latency-ms`, `x-sim-chunks` / `chunks`,
 * `x-sim-chunk-delay-ms` / `chunk-delay-ms`, `x-sim-cached-tokens` / `cached-tokens`,
 * `x-sim-tool-call: 1` / `tool-call=1`, `x-sim-tokens` / `tokens` (length of the answer in tokens),
 * `x-sim-finish` / `finish` (Gemini's finish reason for the answer, e.g. `MALFORMED_FUNCTION_CALL`).
 * Any other marker entry is a fault (see faults.ts); headers `x-sim-fault` / `x-fake-fault` carry faults.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { FaultSyntaxError, parseFaults, type Faults } from './faults.ts';

export interface RequestSettings {
  readonly latencyMs: number;
  readonly chunkCount: number;
  readonly chunkDelayMs: number;
  readonly cachedTokens: number | null;
  readonly toolCall: boolean;
  readonly tokens: number | null;
  /** A Gemini finish reason to end the answer with instead of STOP / MAX_TOKENS. */
  readonly finish: string | null;
  readonly faults: Faults;
}

export interface SettingDefaults {
  readonly latencyMs: number;
  readonly chunkCount: number;
  readonly chunkDelayMs: number;
}

const MARKER_OPEN = '[[sim:';
const MARKER_CLOSE = ']]';
const KNOBS = new Set([
  'latency-ms',
  'chunks',
  'chunk-delay-ms',
  'cached-tokens',
  'tool-call',
  'tokens',
  'finish',
]);

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function number(name: string, value: string | undefined, fallback: number): number;
function number(name: string, value: string | undefined, fallback: null): number | null;
function number(name: string, value: string | undefined, fallback: number | null): number | null {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0) {
    throw new FaultSyntaxError(`simulator setting "${name}" needs a non-negative number, got "${value}"`);
  }
  return parsed;
}

function finishReason(value: string | undefined): string | null {
  if (value === undefined) return null;
  const reason = value.trim().toUpperCase();
  if (!/^[A-Z_]{2,40}$/.test(reason)) {
    throw new FaultSyntaxError(
      `simulator setting "finish" needs a finish reason such as SAFETY, got "${value}"`,
    );
  }
  return reason;
}

/** Marker entries: knobs by name, everything else joined back into fault text. */
function readMarker(rawBody: string): { knobs: Map<string, string>; faults: string } {
  const knobs = new Map<string, string>();
  const start = rawBody.indexOf(MARKER_OPEN);
  if (start < 0) return { knobs, faults: '' };
  const end = rawBody.indexOf(MARKER_CLOSE, start + MARKER_OPEN.length);
  if (end < 0) return { knobs, faults: '' };
  const faults: string[] = [];
  for (const raw of rawBody.slice(start + MARKER_OPEN.length, end).split(';')) {
    const entry = raw.trim();
    if (entry.length === 0) continue;
    const equals = entry.indexOf('=');
    const name = equals < 0 ? entry : entry.slice(0, equals).trim();
    if (KNOBS.has(name)) knobs.set(name, equals < 0 ? '1' : entry.slice(equals + 1).trim());
    else faults.push(entry);
  }
  return { knobs, faults: faults.join(';') };
}

/** Throws `FaultSyntaxError` for a knob or fault it cannot read. */
export function readSettings(
  headers: IncomingHttpHeaders,
  rawBody: string,
  defaults: SettingDefaults,
): RequestSettings {
  const marker = readMarker(rawBody);
  const knob = (name: string): string | undefined =>
    single(headers[`x-sim-${name}`]) ?? marker.knobs.get(name);
  const headerFaults = single(headers['x-sim-fault']) ?? single(headers['x-fake-fault']) ?? '';
  const faultText =
    headerFaults && marker.faults ? `${headerFaults};${marker.faults}` : headerFaults || marker.faults;
  const tokens = number('tokens', knob('tokens'), null);
  return {
    latencyMs: number('latency-ms', knob('latency-ms'), defaults.latencyMs),
    chunkCount: Math.max(1, Math.trunc(number('chunks', knob('chunks'), defaults.chunkCount))),
    chunkDelayMs: number('chunk-delay-ms', knob('chunk-delay-ms'), defaults.chunkDelayMs),
    cachedTokens: number('cached-tokens', knob('cached-tokens'), null),
    toolCall: knob('tool-call') === '1' || knob('tool-call') === 'true',
    tokens: tokens === null ? null : Math.trunc(tokens),
    finish: finishReason(knob('finish')),
    faults: parseFaults(faultText || undefined),
  };
}
