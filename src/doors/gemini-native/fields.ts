/**
 * Reading a Gemini request object the way Google's JSON parser does: every field may be spelled in
 * lowerCamelCase or in its proto snake_case name (`systemInstruction` / `system_instruction`). A field
 * this door does not know, or one spelled both ways (a parser differential), is a 400 naming it.
 */
import { PorticoError } from '../../errors.ts';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function invalid(message: string, param: string): PorticoError {
  return new PorticoError('invalid_request', { message: `${param}: ${message}`, param });
}

function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/**
 * The object's fields under their camelCase names, after checking that each is one this door knows
 * (`known`) and that none is spelled twice. `refused` names fields Google has but Portico cannot honour.
 */
export function readFields(
  value: unknown,
  param: string,
  known: readonly string[],
  refused: Readonly<Record<string, string>> = {},
): JsonObject {
  if (!isObject(value)) throw invalid('must be an object', param);
  const fields: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    const name = camel(key);
    const where = param === '' ? key : `${param}.${key}`;
    if (name in fields) throw invalid(`${name} is given twice (camelCase and snake_case)`, where);
    if (refused[name] !== undefined) throw invalid(refused[name], where);
    if (!known.includes(name)) throw invalid('is not a field Portico knows or can honour', where);
    if (item !== undefined && item !== null) fields[name] = item;
  }
  return fields;
}

export function stringField(value: unknown, param: string): string {
  if (typeof value !== 'string') throw invalid('must be a string', param);
  return value;
}

export function numberField(value: unknown, param: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalid(`must be a number from ${min} to ${max}`, param);
  }
  return value;
}

export function integerField(value: unknown, param: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`must be an integer from ${min} to ${max}`, param);
  }
  return value;
}

export function booleanField(value: unknown, param: string): boolean {
  if (typeof value !== 'boolean') throw invalid('must be true or false', param);
  return value;
}

export function arrayField(value: unknown, param: string): unknown[] {
  if (!Array.isArray(value)) throw invalid('must be an array', param);
  return value;
}
