/**
 * A deterministic value that validates against a JSON Schema (or Gemini's OpenAPI-style `Schema`): what
 * the simulator answers for `responseJsonSchema` / `responseSchema` and for tool-call arguments, so
 * structured-output clients (zod, pydantic, LangChain parsers) succeed offline.
 *
 * Covered: `type` (also as a list, and Gemini's upper-case names), `enum`, `const`, `properties` (every
 * property, required or not, so optional-but-typed fields are exercised), `items` / `prefixItems` with
 * `minItems`, `anyOf` / `oneOf` / `allOf`, `$ref` into `$defs` / `definitions`, `nullable`, string
 * `format`s (date-time, date, time, email, uri, uuid), `minLength`, `pattern`-free strings, numeric
 * `minimum` / `maximum` / `exclusiveMinimum`. Recursion stops at a fixed depth with the smallest valid
 * value (required properties only, an empty array where allowed, null where allowed).
 */

type Schema = Record<string, unknown>;

const MAX_DEPTH = 8;

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolveRef(ref: string, root: Schema): Schema | undefined {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (!match) return ref === '#' ? root : undefined;
  const table = root[match[1] as string];
  const name = decodeURIComponent((match[2] as string).replace(/~1/g, '/').replace(/~0/g, '~'));
  return isSchema(table) && isSchema(table[name]) ? table[name] : undefined;
}

function typesOf(schema: Schema): string[] {
  const type = schema.type;
  const list = Array.isArray(type) ? type : type === undefined ? [] : [type];
  return list
    .filter((entry): entry is string => typeof entry === 'string')
    .map((entry) => entry.toLowerCase());
}

function stringFor(schema: Schema): string {
  switch (schema.format) {
    case 'date-time':
      return '2026-01-02T03:04:05Z';
    case 'date':
      return '2026-01-02';
    case 'time':
      return '03:04:05';
    case 'email':
      return 'sample@example.com';
    case 'uri':
    case 'url':
      return 'https://example.com/';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    default: {
      const base = 'sample';
      const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
      const max = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
      const text = base.length < min ? base.padEnd(min, 'x') : base;
      return text.slice(0, Math.max(min, Math.min(text.length, max)));
    }
  }
}

function numberFor(schema: Schema, integer: boolean): number {
  let low = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  if (typeof schema.exclusiveMinimum === 'number') low = schema.exclusiveMinimum + (integer ? 1 : 0.5);
  let high = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  if (typeof schema.exclusiveMaximum === 'number') high = schema.exclusiveMaximum - (integer ? 1 : 0.5);
  let value = low ?? (high !== undefined ? Math.min(1, high) : 1);
  if (integer) value = Math.ceil(value);
  return value;
}

function valueFor(schema: unknown, root: Schema, depth: number, name: string): unknown {
  if (!isSchema(schema)) return 'sample';
  if (typeof schema.$ref === 'string') {
    const target = resolveRef(schema.$ref, root);
    return depth > MAX_DEPTH * 2 || target === undefined ? null : valueFor(target, root, depth + 1, name);
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const merged: Schema = {};
    for (const part of schema.allOf) if (isSchema(part)) Object.assign(merged, part);
    return valueFor({ ...schema, allOf: undefined, ...merged }, root, depth + 1, name);
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches) && branches.length > 0) {
      // The first branch that is not just null says more about the value; deep down, null ends recursion.
      const isNull = (entry: unknown) => isSchema(entry) && entry.type === 'null';
      const deep = depth > MAX_DEPTH && branches.some(isNull);
      const branch = deep ? branches.find(isNull) : (branches.find((entry) => !isNull(entry)) ?? branches[0]);
      return valueFor(branch, root, depth + 1, name);
    }
  }
  const types = typesOf(schema);
  const type = types.find((entry) => entry !== 'null') ?? (types.includes('null') ? 'null' : undefined);
  switch (
    type ??
    (isSchema(schema.properties) ? 'object' : schema.items !== undefined ? 'array' : 'string')
  ) {
    case 'null':
      return null;
    case 'boolean':
      return true;
    case 'integer':
      return numberFor(schema, true);
    case 'number':
      return numberFor(schema, false);
    case 'array': {
      const deep = depth > MAX_DEPTH;
      const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
      const items = prefix.map((item) => valueFor(item, root, depth + 1, name));
      // One item shows the shape; deep down, as few as the schema allows (recursion ends at an empty list).
      const min = typeof schema.minItems === 'number' ? schema.minItems : deep ? 0 : 1;
      const max = typeof schema.maxItems === 'number' ? schema.maxItems : Number.POSITIVE_INFINITY;
      while (items.length < Math.min(deep ? min : Math.max(min, 1), max) && schema.items !== false) {
        items.push(valueFor(schema.items, root, depth + 1, name));
      }
      return items;
    }
    case 'object': {
      const result: Record<string, unknown> = {};
      const properties = isSchema(schema.properties) ? schema.properties : {};
      const required = new Set(Array.isArray(schema.required) ? schema.required : []);
      for (const [key, property] of Object.entries(properties)) {
        // Deep down only what is required, so recursive schemas end.
        if (depth > MAX_DEPTH && !required.has(key)) continue;
        result[key] = valueFor(property, root, depth + 1, key);
      }
      return result;
    }
    default:
      return stringFor(schema);
  }
}

export function schemaInstance(schema: unknown): unknown {
  return valueFor(schema, isSchema(schema) ? schema : {}, 0, '');
}
