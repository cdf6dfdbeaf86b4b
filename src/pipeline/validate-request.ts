/**
 * Stage 2: is the body a Chat Completions request. The TypeBox schemas are compiled once. Unknown
 * top-level fields are dropped here, so they can never reach an upstream.
 *
 * Hostile input costs linear time (issue 17, High 1): the compiled check stops at the first failure, and
 * the error report follows one path only. At a union (a message's `role`, a part's `type`) it descends
 * into the branch the value's discriminator names, instead of collecting every error of every branch.
 * Messages are checked one at a time, yielding to the event loop now and then, so a large body never
 * freezes the other clients.
 */
import { Kind, Type, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Errors } from '@sinclair/typebox/errors';
import { PorticoError } from '../errors.ts';
import { ChatCompletionRequest, KNOWN_REQUEST_FIELDS } from '../openai/request.ts';

const messagesSchema = ChatCompletionRequest.properties.messages;
const messageSchema: TSchema = messagesSchema.items;
/** The request with `messages` checked only as an array: each message is checked on its own. */
const topLevelSchema = Type.Object({
  ...ChatCompletionRequest.properties,
  messages: Type.Array(Type.Unknown(), {
    minItems: messagesSchema.minItems,
    maxItems: messagesSchema.maxItems,
  }),
});

/** Time spent checking messages before the check yields to the event loop. */
const SLICE_MS = 4;

/** `/messages/0/content` -> `messages[0].content` */
export function pointerToParam(pointer: string): string {
  let param = '';
  for (const segment of pointer.split('/').slice(1)) {
    const unescaped = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    param += /^\d+$/.test(unescaped) ? `[${unescaped}]` : param ? `.${unescaped}` : unescaped;
  }
  return param;
}

interface FoundError {
  path: string;
  message: string;
}

/** The values a property schema allows when it is a literal or a union of literals (a discriminator). */
function literalValues(schema: TSchema | undefined): unknown[] | undefined {
  if (!schema) return undefined;
  if ('const' in schema) return [schema.const];
  if (schema[Kind] === 'Union') {
    const values = (schema.anyOf as TSchema[]).map((variant) =>
      'const' in variant ? variant.const : undefined,
    );
    return values.every((value) => value !== undefined) ? values : undefined;
  }
  return undefined;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function acceptsType(variant: TSchema, type: string): boolean {
  const declared = variant.type as string | undefined;
  if (declared === type) return true;
  return declared === 'number' && type === 'integer';
}

/** The branch of a union this value means, by its discriminator or its JSON type; -1 when none fits. */
function chooseBranch(variants: TSchema[], value: unknown): number {
  const type = jsonType(value);
  let byType = -1;
  for (const [index, variant] of variants.entries()) {
    if (type === 'object' && variant[Kind] === 'Object') {
      const properties = (variant.properties ?? {}) as Record<string, TSchema>;
      const discriminators = Object.entries(properties).filter(([, schema]) => literalValues(schema));
      const record = value as Record<string, unknown>;
      if (discriminators.length === 0) byType = byType < 0 ? index : byType;
      else if (discriminators.every(([name, schema]) => literalValues(schema)?.includes(record[name])))
        return index;
    } else if (acceptsType(variant, type) && !('const' in variant)) {
      byType = byType < 0 ? index : byType;
    }
  }
  return byType;
}

/** A union no branch of which fits: name the discriminator and what it may be, when there is one. */
function describeUnion(schema: TSchema, unionValue: unknown): FoundError {
  const variants = schema.anyOf as TSchema[];
  const literals = variants.every((variant) => 'const' in variant)
    ? variants.map((variant) => variant.const as unknown)
    : undefined;
  if (literals)
    return { path: '', message: `Expected one of ${literals.map((v) => JSON.stringify(v)).join(', ')}` };
  const objectVariants = variants.filter((variant) => variant[Kind] === 'Object');
  const value = unionValue as Record<string, unknown> | null;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && objectVariants.length > 0) {
    const first = (objectVariants[0]?.properties ?? {}) as Record<string, TSchema>;
    for (const name of Object.keys(first)) {
      const allowed = objectVariants.flatMap((variant) => literalValues(variant.properties?.[name]) ?? []);
      if (allowed.length === 0) continue;
      return {
        path: `/${name}`,
        message: `Expected one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    }
  }
  const types = [...new Set(variants.map((variant) => (variant.type as string | undefined) ?? 'value'))];
  return { path: '', message: `Expected ${types.join(' or ')}` };
}

type Checker = (value: unknown) => boolean;

/**
 * A compiled check for every node of the request schema, built once: the error search below tests
 * sub-values with these instead of TypeBox's interpreted walk, which re-checks a subtree at every union.
 */
function compileNodes(root: TSchema): ReadonlyMap<TSchema, Checker> {
  const checkers = new Map<TSchema, Checker>();
  const pending: TSchema[] = [root];
  while (pending.length > 0) {
    const schema = pending.pop() as TSchema;
    if (checkers.has(schema)) continue;
    const compiled = TypeCompiler.Compile(schema);
    checkers.set(schema, (value) => compiled.Check(value));
    if (schema[Kind] === 'Union') pending.push(...(schema.anyOf as TSchema[]));
    if (schema[Kind] === 'Array' && schema.items) pending.push(schema.items as TSchema);
    if (schema[Kind] === 'Object')
      pending.push(...Object.values(schema.properties as Record<string, TSchema>));
  }
  return checkers;
}

const checkers = compileNodes(Type.Object({ request: topLevelSchema, message: messageSchema }));

function checks(schema: TSchema, value: unknown): boolean {
  const checker = checkers.get(schema);
  return checker ? checker(value) : Errors(schema, value).First() === undefined;
}

/** The schema with its children accepted as they are: checks only this node's own rules. */
function shallow(schema: TSchema): TSchema {
  if (schema[Kind] === 'Array') return { ...schema, items: Type.Unknown() };
  if (schema[Kind] === 'Object') {
    const properties = Object.fromEntries(
      Object.entries(schema.properties as Record<string, TSchema>).map(([name, property]) => [
        name,
        'const' in property ? property : Type.Unknown(),
      ]),
    );
    return { ...schema, properties };
  }
  return schema;
}

/**
 * The first error, found down one path: at a union the branch the value means, in an array the first
 * failing element, in an object the first failing property; then this node's own rules. Each sub-value
 * is tested with a compiled check, so the cost stays linear in the value.
 */
function firstError(schema: TSchema, value: unknown, path: string): FoundError | undefined {
  for (let depth = 0; depth < 64; depth++) {
    const kind = schema[Kind];
    if (kind === 'Union') {
      const variants = schema.anyOf as TSchema[];
      const branch = chooseBranch(variants, value);
      if (branch < 0) {
        const described = describeUnion(schema, value);
        return { path: path + described.path, message: described.message };
      }
      schema = variants[branch] as TSchema;
      continue;
    }
    let child: { schema: TSchema; value: unknown; path: string } | undefined;
    if (kind === 'Array' && Array.isArray(value) && schema.items) {
      const items = schema.items as TSchema;
      const index = value.findIndex((item) => !checks(items, item));
      if (index >= 0) child = { schema: items, value: value[index], path: `${path}/${index}` };
    } else if (kind === 'Object' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      for (const [name, property] of Object.entries(schema.properties as Record<string, TSchema>)) {
        if (record[name] !== undefined && !checks(property, record[name])) {
          child = { schema: property, value: record[name], path: `${path}/${name}` };
          break;
        }
      }
    }
    if (!child) {
      const own = Errors(shallow(schema), value).First();
      return own ? { path: path + own.path, message: own.message } : undefined;
    }
    ({ schema, value, path } = child);
  }
  return undefined;
}

function invalid(found: FoundError | undefined): PorticoError {
  const param = found ? pointerToParam(found.path) : undefined;
  const message = found
    ? param
      ? `Invalid value for '${param}': ${found.message}`
      : `Invalid request: ${found.message}`
    : 'Invalid request parameters';
  return new PorticoError('invalid_request', { message, param: param || undefined });
}

function knownFields(raw: unknown): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PorticoError('invalid_request', { message: 'The request body must be a JSON object' });
  }
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) if (KNOWN_REQUEST_FIELDS.has(name)) body[name] = value;
  return body;
}

function checkMessage(body: Record<string, unknown>, index: number): void {
  const value = (body.messages as unknown[])[index];
  if (!checks(messageSchema, value)) throw invalid(firstError(messageSchema, value, `/messages/${index}`));
}

/**
 * For the body parser: each message of a large Chat Completions body is checked as soon as it is
 * parsed, so a body invalid from its first message is refused without parsing the rest.
 */
export function checkChatElement(path: string, index: number, value: unknown): void {
  if (path === '/messages' && !checks(messageSchema, value)) {
    throw invalid(firstError(messageSchema, value, `/messages/${index}`));
  }
}

export function validateChatRequest(raw: unknown): ChatCompletionRequest {
  const body = knownFields(raw);
  if (!checks(topLevelSchema, body)) throw invalid(firstError(topLevelSchema, body, ''));
  const count = (body.messages as unknown[]).length;
  for (let index = 0; index < count; index++) checkMessage(body, index);
  return body as ChatCompletionRequest;
}

/** `validateChatRequest`, yielding to the event loop every few milliseconds of checking. */
export async function validateChatRequestYielding(raw: unknown): Promise<ChatCompletionRequest> {
  const body = knownFields(raw);
  if (!checks(topLevelSchema, body)) throw invalid(firstError(topLevelSchema, body, ''));
  const count = (body.messages as unknown[]).length;
  let sliceStart = performance.now();
  for (let index = 0; index < count; index++) {
    checkMessage(body, index);
    if ((index & 31) === 31 && performance.now() - sliceStart > SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return body as ChatCompletionRequest;
}
