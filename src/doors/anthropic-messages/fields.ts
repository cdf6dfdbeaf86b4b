/**
 * Small checks for reading an Anthropic Messages body by hand: each names the field it refuses, with the
 * path as Portico's params spell it (`messages[0].content[1].source`). Anthropic refuses fields it does not
 * know ("Extra inputs are not permitted"), and so does this door: nothing is dropped in silence.
 */
import { PorticoError } from '../../errors.ts';

export type JsonObject = Record<string, unknown>;

export function invalid(param: string, message: string): PorticoError {
  return new PorticoError('invalid_request', { message: `${param}: ${message}`, param });
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function object(value: unknown, param: string): JsonObject {
  if (!isObject(value)) throw invalid(param, 'must be an object');
  return value;
}

export function array(value: unknown, param: string, minItems = 0): unknown[] {
  if (!Array.isArray(value)) throw invalid(param, 'must be an array');
  if (value.length < minItems) throw invalid(param, `must have at least ${minItems} item(s)`);
  return value;
}

export function string(value: unknown, param: string, minLength = 0): string {
  if (typeof value !== 'string') throw invalid(param, 'must be a string');
  if (value.length < minLength) throw invalid(param, `must not be empty`);
  return value;
}

export function integer(value: unknown, param: string, minimum: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(param, 'must be an integer');
  if (value < minimum) throw invalid(param, `must be at least ${minimum}`);
  return value;
}

export function number(value: unknown, param: string, minimum: number, maximum: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(param, 'must be a number');
  if (value < minimum || value > maximum) throw invalid(param, `must be between ${minimum} and ${maximum}`);
  return value;
}

export function boolean(value: unknown, param: string): boolean {
  if (typeof value !== 'boolean') throw invalid(param, 'must be a boolean');
  return value;
}

export function oneOf<T extends string>(value: unknown, param: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(param, `must be one of ${allowed.map((item) => JSON.stringify(item)).join(', ')}`);
  }
  return value as T;
}

/** Present and not null (Anthropic treats `null` as "not set" for its optional fields). */
export function given(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** Refuses any key outside `allowed`, naming it. */
export function onlyKeys(value: JsonObject, allowed: ReadonlySet<string>, param: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) throw invalid(param ? `${param}.${key}` : key, 'unknown field');
  }
}

/**
 * `cache_control` marks a prompt-caching breakpoint. Gemini caches repeated prefixes implicitly and bills
 * cached tokens at the cached price, so the breakpoint asks for nothing Portico must do: it is checked
 * and accepted (docs/decisions/082-door-anthropic-messages.md).
 */
export function checkCacheControl(value: unknown, param: string): void {
  if (!given(value)) return;
  const control = object(value, param);
  onlyKeys(control, new Set(['type', 'ttl']), param);
  oneOf(control.type, `${param}.type`, ['ephemeral']);
  if (given(control.ttl)) oneOf(control.ttl, `${param}.ttl`, ['5m', '1h']);
}
