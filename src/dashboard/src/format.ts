/** Money always in USD with the unit; every time with its zone. */
export const viewerTimeZone = (): string =>
  new URLSearchParams(location.search).get('tz') || Intl.DateTimeFormat().resolvedOptions().timeZone;

export function usd(value: number, digits = 2): string {
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} USD`;
}

export function dateTime(iso: string | null | undefined, timeZone = viewerTimeZone()): string {
  if (!iso) return '—';
  const text = new Date(iso).toLocaleString('sv-SE', { timeZone, hour12: false });
  return `${text} ${zoneLabel(iso, timeZone)}`;
}

export function zoneLabel(iso: string, timeZone: string): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'shortOffset' })
    .formatToParts(new Date(iso))
    .find((entry) => entry.type === 'timeZoneName');
  return `${timeZone} (${part?.value ?? ''})`;
}

export function count(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toLocaleString('en-US');
}

export function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${Math.round(value).toLocaleString('en-US')} ms`;
}

/** Start of the local day `days - 1` days ago and now, as ISO instants (the range of the overview). */
export function range(days: number, timeZone = viewerTimeZone()): { from: string; to: string } {
  const now = new Date();
  const today = now.toLocaleDateString('sv-SE', { timeZone });
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d - (days - 1));
  // Shift the UTC midnight guess by the zone's offset at that moment to get local midnight.
  const offset = offsetMinutes(guess, timeZone);
  return {
    from: new Date(guess - offset * 60_000).toISOString(),
    to: new Date(now.getTime() + 60_000).toISOString(),
  };
}

export function offsetMinutes(instant: number, timeZone: string): number {
  const local = new Date(new Date(instant).toLocaleString('en-US', { timeZone }));
  const utc = new Date(new Date(instant).toLocaleString('en-US', { timeZone: 'UTC' }));
  return Math.round((local.getTime() - utc.getTime()) / 60_000);
}

export function maskedKey(prefix: string): string {
  return `${prefix}…`;
}
