/**
 * Google's `Schema` (the OpenAPI 3.0 subset of `responseSchema` and `functionDeclarations[].parameters`,
 * types in upper case, `nullable`) -> JSON Schema, the form the canonical request carries
 * (`response_format.json_schema.schema`, `tools[].function.parameters`). Property names and enum values
 * are data and stay as they are; `propertyOrdering` has no JSON Schema keyword and is kept as an
 * annotation.
 */
import { invalid, isObject, type JsonObject } from './fields.ts';

const MAX_DEPTH = 64;

const KNOWN = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'properties',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'anyOf',
  'propertyOrdering',
  'default',
  'items',
  'minimum',
  'maximum',
]);

/** Counts (int64 in the proto) arrive as strings from some clients. */
function count(value: unknown): unknown {
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
}

export function googleSchemaToJsonSchema(schema: unknown, param: string, depth = 0): JsonObject {
  if (depth > MAX_DEPTH) throw invalid('is nested too deeply', param);
  if (!isObject(schema)) throw invalid('must be a schema object', param);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!KNOWN.has(key)) throw invalid(`${key} is not a Schema field`, param);
    switch (key) {
      case 'type':
        if (typeof value !== 'string') throw invalid('type must be a string', `${param}.type`);
        if (value.toUpperCase() !== 'TYPE_UNSPECIFIED') out.type = value.toLowerCase();
        break;
      case 'properties': {
        if (!isObject(value)) throw invalid('must be an object', `${param}.properties`);
        const properties: JsonObject = {};
        for (const [name, property] of Object.entries(value)) {
          properties[name] = googleSchemaToJsonSchema(property, `${param}.properties.${name}`, depth + 1);
        }
        out.properties = properties;
        break;
      }
      case 'items':
        out.items = googleSchemaToJsonSchema(value, `${param}.items`, depth + 1);
        break;
      case 'anyOf':
        if (!Array.isArray(value)) throw invalid('must be an array', `${param}.anyOf`);
        out.anyOf = value.map((item, index) =>
          googleSchemaToJsonSchema(item, `${param}.anyOf[${index}]`, depth + 1),
        );
        break;
      case 'nullable':
        break;
      case 'example':
        out.examples = [value];
        break;
      case 'maxItems':
      case 'minItems':
      case 'minProperties':
      case 'maxProperties':
      case 'minLength':
      case 'maxLength':
        out[key] = count(value);
        break;
      default:
        out[key] = value;
    }
  }
  if (schema.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.anyOf)) out.anyOf = [...out.anyOf, { type: 'null' }];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  return out;
}
