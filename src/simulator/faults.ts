/**
 * The `x-sim-fault` header (alias `x-fake-fault`, the name docs/RELIABILITY.md §4 uses): which failure
 * the simulator acts out for one request. Entries are separated by `;`, `&` or `,` and are either
 * `name=value` or a bare flag, e.g. `status=429;retry_after=7` or `stall_after=5`.
 *
 * | entry                  | effect                                                                 |
 * |------------------------|------------------------------------------------------------------------|
 * | `status=<code>`        | answer with that HTTP status and the protocol's error body              |
 * | `retry_after=<s>`      | with `status`: a `Retry-After` header (and Gemini `RetryInfo`)          |
 * | `reason=<REASON>`      | with `status`: Gemini `ErrorInfo.reason` (e.g. `API_KEY_INVALID`)      |
 * | `slow_first_byte=<ms>` | wait before the response headers (alias `delay_headers`)               |
 * | `stall_after=<n>`      | stream: send n chunks, then stay silent until the client goes away     |
 * | `reset_after=<n>`      | stream: reset the socket after n chunks; non-stream: after n body bytes |
 * | `reset`                | `reset_after=0`: reset before any byte of the response                  |
 * | `malformed_after=<n>`  | stream: a non-JSON `data:` line after n chunks (alias `garbage` = 0)    |
 * | `non_object_after=<n>` | stream: a `data: 42` event after n chunks (alias `non_object` = 0)      |
 * | `error_event_after=<n>`| stream: after n chunks a `data: {"error":...}` event, then the end      |
 * | `error_event`          | `error_event_after=0`                                                   |
 * | `no_usage`             | omit usage everywhere                                                   |
 * | `zero_usage`           | report usage with every count at 0                                      |
 * | `huge_body=<bytes>`    | non-stream: pad the JSON body with an extra field of that many bytes    |
 * | `split_bytes`          | stream: write every event a few bytes at a time                         |
 */

export interface Faults {
  /** The header as received, for the attempt log; null when there was none. */
  readonly label: string | null;
  readonly status: number | null;
  readonly retryAfterSeconds: number | null;
  readonly reason: string | null;
  readonly slowFirstByteMs: number;
  readonly stallAfter: number | null;
  readonly resetAfter: number | null;
  readonly malformedAfter: number | null;
  readonly nonObjectAfter: number | null;
  readonly errorEventAfter: number | null;
  readonly noUsage: boolean;
  readonly zeroUsage: boolean;
  readonly hugeBodyBytes: number;
  readonly splitBytes: boolean;
}

export const NO_FAULTS: Faults = Object.freeze({
  label: null,
  status: null,
  retryAfterSeconds: null,
  reason: null,
  slowFirstByteMs: 0,
  stallAfter: null,
  resetAfter: null,
  malformedAfter: null,
  nonObjectAfter: null,
  errorEventAfter: null,
  noUsage: false,
  zeroUsage: false,
  hugeBodyBytes: 0,
  splitBytes: false,
});

/** A header the simulator cannot act on; answered with a 400 so a typo in a test is loud. */
export class FaultSyntaxError extends Error {}

const DEFAULT_HUGE_BODY_BYTES = 1024 * 1024;

function count(name: string, value: string | undefined, maximum = Number.MAX_SAFE_INTEGER): number {
  const parsed = value === undefined || value === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(parsed) || parsed < 0 || parsed > maximum) {
    throw new FaultSyntaxError(`simulator fault "${name}" needs a non-negative number, got "${value ?? ''}"`);
  }
  return parsed;
}

function parseEntries(header: string): Faults {
  const faults: { -readonly [K in keyof Faults]: Faults[K] } = { ...NO_FAULTS, label: header };
  for (const raw of header.split(/[;&,]/)) {
    const entry = raw.trim();
    if (entry.length === 0) continue;
    const equals = entry.indexOf('=');
    const name = (equals < 0 ? entry : entry.slice(0, equals)).trim().toLowerCase();
    const value = equals < 0 ? undefined : entry.slice(equals + 1).trim();
    switch (name) {
      case 'status': {
        const status = Math.trunc(count(name, value, 599));
        if (status < 200)
          throw new FaultSyntaxError(`simulator fault status=${status} is not a final status`);
        faults.status = status;
        break;
      }
      case 'retry_after':
        faults.retryAfterSeconds = count(name, value);
        break;
      case 'reason':
        if (!value) throw new FaultSyntaxError('simulator fault "reason" needs a value');
        faults.reason = value;
        break;
      case 'slow_first_byte':
      case 'delay_headers':
        faults.slowFirstByteMs = count(name, value);
        break;
      case 'stall_after':
        faults.stallAfter = Math.trunc(count(name, value));
        break;
      case 'reset_after':
        faults.resetAfter = Math.trunc(count(name, value));
        break;
      case 'reset':
        faults.resetAfter = 0;
        break;
      case 'malformed_after':
        faults.malformedAfter = Math.trunc(count(name, value));
        break;
      case 'garbage':
        faults.malformedAfter = 0;
        break;
      case 'non_object_after':
        faults.nonObjectAfter = Math.trunc(count(name, value));
        break;
      case 'non_object':
        faults.nonObjectAfter = 0;
        break;
      case 'error_event_after':
        faults.errorEventAfter = Math.trunc(count(name, value));
        break;
      case 'error_event':
        faults.errorEventAfter = 0;
        break;
      case 'no_usage':
        faults.noUsage = true;
        break;
      case 'zero_usage':
        faults.zeroUsage = true;
        break;
      case 'huge_body':
        faults.hugeBodyBytes = value === undefined ? DEFAULT_HUGE_BODY_BYTES : Math.trunc(count(name, value));
        break;
      case 'split_bytes':
        faults.splitBytes = true;
        break;
      default:
        throw new FaultSyntaxError(`unknown simulator fault "${name}"`);
    }
  }
  return Object.freeze(faults);
}

const parsedHeaders = new Map<string, Faults>();
const PARSED_HEADERS_LIMIT = 1024;

/** Parses (and memoises) a fault header; throws `FaultSyntaxError` on an entry it does not know. */
export function parseFaults(header: string | undefined): Faults {
  if (header === undefined || header.length === 0) return NO_FAULTS;
  const known = parsedHeaders.get(header);
  if (known !== undefined) return known;
  const faults = parseEntries(header);
  if (parsedHeaders.size >= PARSED_HEADERS_LIMIT) parsedHeaders.clear();
  parsedHeaders.set(header, faults);
  return faults;
}
