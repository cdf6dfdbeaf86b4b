/** The simulator's faults, chosen per request by the `x-sim-fault` (or `x-fake-fault`) header. */

export interface Faults {
  status?: number;
  retryAfter?: number;
  reason?: string;
  slowFirstByteMs?: number;
  stallAfter?: number;
  resetAfter?: number;
  malformedAfter?: number;
  errorEventAfter?: number;
  noUsage: boolean;
  raw: string | null;
}

function integer(value: string | undefined): number | undefined {
  const parsed = Number(value);
  return value !== undefined && Number.isFinite(parsed) && parsed >= 0 ? Math.floor(parsed) : undefined;
}

export function parseFaults(header: string | string[] | undefined): Faults {
  const raw = Array.isArray(header) ? header.join(';') : header;
  const faults: Faults = { noUsage: false, raw: raw ?? null };
  if (!raw) return faults;
  for (const item of raw.split(/[;&]/)) {
    const [name, value] = item.trim().split('=') as [string, string | undefined];
    switch (name) {
      case 'status':
        faults.status = integer(value);
        break;
      case 'retry_after':
        faults.retryAfter = integer(value);
        break;
      case 'reason':
        faults.reason = value;
        break;
      case 'slow_first_byte':
      case 'delay_headers':
        faults.slowFirstByteMs = integer(value);
        break;
      case 'stall_after':
        faults.stallAfter = integer(value);
        break;
      case 'reset_after':
        faults.resetAfter = integer(value);
        break;
      case 'malformed_after':
      case 'garbage':
        faults.malformedAfter = integer(value) ?? 0;
        break;
      case 'error_event_after':
        faults.errorEventAfter = integer(value);
        break;
      case 'error_event':
        faults.errorEventAfter = 0;
        break;
      case 'no_usage':
        faults.noUsage = true;
        break;
    }
  }
  return faults;
}
