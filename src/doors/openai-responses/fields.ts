/**
 * Reading a Responses API body field by field: each reader names the field it refuses (`input[2].call_id`)
 * in a 400, so the decoder never hands a malformed value to the canonical request. Linear in the body.
 */
import { PorticoError } from '../../errors.ts';

export type JsonObject = Record<string, unknown>;

export function invalid(param: string, message: string): PorticoError {
  return new PorticoError('invalid_request', { message: `Invalid value for '${param}': ${message}`, param });
}

/** A field Portico knows and cannot honour: a 400 naming it, with the reason. */
export function unsupported(param: string, reason: string): PorticoError {
  return new PorticoError('invalid_request', { message: `'${param}' is not supported: ${reason}`, param });
}

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function object(value: unknown, param: string): JsonObject {
  if (!isObject(value)) throw invalid(param, 'expected an object');
  return value;
}

export function array(value: unknown, param: string): unknown[] {
  if (!Array.isArray(value)) throw invalid(param, 'expected an array');
  return value;
}

export function string(value: unknown, param: string): string {
  if (typeof value !== 'string') throw invalid(param, 'expected a string');
  return value;
}

export function nonEmptyString(value: unknown, param: string): string {
  const text = string(value, param);
  if (text.length === 0) throw invalid(param, 'must not be empty');
  return text;
}

/** Absent and null read as undefined. */
export function optionalString(value: unknown, param: string): string | undefined {
  return value === undefined || value === null ? undefined : string(value, param);
}

export function optionalBoolean(value: unknown, param: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(param, 'expected a boolean');
  return value;
}

export function optionalInteger(value: unknown, param: string, minimum: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(param, 'expected an integer');
  if (value < minimum) throw invalid(param, `must be at least ${minimum}`);
  return value;
}

export function optionalNumber(
  value: unknown,
  param: string,
  minimum: number,
  maximum: number,
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(param, 'expected a number');
  if (value < minimum || value > maximum) throw invalid(param, `must be between ${minimum} and ${maximum}`);
  return value;
}

export function oneOf<const T extends string>(value: unknown, param: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(param, `expected one of ${allowed.map((entry) => `'${entry}'`).join(', ')}`);
  }
  return value as T;
}

/** Refuses any key of `value` outside `known`, naming it (`param.key`). */
export function onlyKnown(value: JsonObject, param: string, known: ReadonlySet<string>): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) {
      const name = param ? `${param}.${key}` : key;
      throw new PorticoError('invalid_request', {
        message: `Unknown parameter: '${name}'`,
        param: name,
      });
    }
  }
}
