/**
 * Large JSON bodies parsed in slices (issue 17, High 1). `JSON.parse` of a 15 MB body holds the event
 * loop for a quarter of a second, and every other client (and `/health`) waits. Here a byte scanner walks
 * the body's structure; any array or object whose text is short is handed to `JSON.parse` whole, a long
 * one is split into its elements, and the parse yields to the event loop between slices. Each byte is
 * scanned a bounded number of times, so the work stays linear in the body, and nesting is checked while
 * scanning (no second walk). The result equals `JSON.parse`'s: duplicate keys keep the last value, a
 * `__proto__` key is an own property.
 */
import { PorticoError } from '../errors.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;

export interface IncrementalParseOptions {
  /** Containers whose text is at most this long are parsed by one `JSON.parse` call. */
  readonly sliceBytes: number;
  /** Work (bytes scanned or parsed) between two yields to the event loop. */
  readonly yieldEveryBytes: number;
  readonly maxDepth: number;
  /** Called on every slice's decoded text and value (UTF-16 checks). */
  readonly checkSlice?: (text: string, value: unknown) => void;
  /**
   * Called with each element of a split array as soon as it is parsed (`path` is a JSON pointer such as
   * `/messages`); a throw stops the parse there, so an invalid body costs only the part before its error.
   */
  readonly onElement?: (path: string, index: number, value: unknown) => void;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function invalidJson(detail: string): PorticoError {
  return new PorticoError('invalid_json', { message: `The request body is not valid JSON: ${detail}` });
}

function tooDeep(limit: number): PorticoError {
  return new PorticoError('invalid_request', {
    message: `The request body is nested deeper than ${limit} levels`,
  });
}

function isWhitespace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

class Parser {
  readonly #buffer: Buffer;
  readonly #options: IncrementalParseOptions;
  #work = 0;

  constructor(buffer: Buffer, options: IncrementalParseOptions) {
    this.#buffer = buffer;
    this.#options = options;
  }

  skipWhitespace(position: number): number {
    let at = position;
    while (isWhitespace(this.#buffer[at])) at++;
    return at;
  }

  /** The index just past the closing quote of the string opening at `start`. */
  stringEnd(start: number): number {
    let at = start + 1;
    for (;;) {
      const quote = this.#buffer.indexOf(QUOTE, at);
      if (quote < 0) throw invalidJson('unterminated string');
      let backslashes = 0;
      while (this.#buffer[quote - 1 - backslashes] === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) return quote + 1;
      at = quote + 1;
    }
  }

  /**
   * The end of the value at `start`, or -1 when it is a container longer than `limit` bytes (the scan
   * stops there). Nesting below `depth` is checked on the way.
   */
  valueEnd(start: number, depth: number, limit: number): number {
    const buffer = this.#buffer;
    const first = buffer[start];
    if (first === QUOTE) return this.stringEnd(start);
    if (first !== OPEN_ARRAY && first !== OPEN_OBJECT) {
      let at = start;
      while (at < buffer.length) {
        const byte = buffer[at];
        if (byte === COMMA || byte === CLOSE_ARRAY || byte === CLOSE_OBJECT || isWhitespace(byte)) break;
        at++;
      }
      if (at === start) throw invalidJson(`unexpected input at byte ${start}`);
      return at;
    }
    const stop = Math.min(buffer.length, start + limit);
    let level = 0;
    let at = start;
    while (at < stop) {
      const byte = buffer[at];
      if (byte === QUOTE) {
        at = this.stringEnd(at);
        continue;
      }
      if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
        level++;
        if (depth + level > this.#options.maxDepth) throw tooDeep(this.#options.maxDepth);
      } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
        level--;
        if (level === 0) return at + 1;
      }
      at++;
    }
    if (stop === buffer.length && at >= buffer.length) throw invalidJson('unexpected end of input');
    return -1;
  }

  decode(start: number, end: number): string {
    try {
      return decoder.decode(this.#buffer.subarray(start, end));
    } catch {
      throw new PorticoError('invalid_request', { message: 'The request body is not valid UTF-8' });
    }
  }

  parseSlice(start: number, end: number): unknown {
    const text = this.decode(start, end);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw invalidJson((error as Error).message);
    }
    this.#options.checkSlice?.(text, value);
    return value;
  }

  async account(bytes: number): Promise<void> {
    this.#work += bytes;
    if (this.#work < this.#options.yieldEveryBytes) return;
    this.#work = 0;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Parse the value at `start` (no whitespace before it); returns it with the index just past it. */
  async value(start: number, depth: number, path: string): Promise<{ value: unknown; end: number }> {
    const end = this.valueEnd(start, depth, this.#options.sliceBytes);
    if (end >= 0) {
      await this.account(end - start);
      return { value: this.parseSlice(start, end), end };
    }
    await this.account(this.#options.sliceBytes);
    if (depth + 1 > this.#options.maxDepth) throw tooDeep(this.#options.maxDepth);
    return this.#buffer[start] === OPEN_ARRAY
      ? this.array(start, depth + 1, path)
      : this.object(start, depth + 1, path);
  }

  async array(start: number, depth: number, path: string): Promise<{ value: unknown[]; end: number }> {
    const items: unknown[] = [];
    let at = this.skipWhitespace(start + 1);
    if (this.#buffer[at] === CLOSE_ARRAY) return { value: items, end: at + 1 };
    for (;;) {
      const element = await this.value(at, depth, `${path}/${items.length}`);
      this.#options.onElement?.(path, items.length, element.value);
      items.push(element.value);
      at = this.skipWhitespace(element.end);
      const separator = this.#buffer[at];
      if (separator === CLOSE_ARRAY) return { value: items, end: at + 1 };
      if (separator !== COMMA) throw invalidJson(`expected ',' or ']' at byte ${at}`);
      at = this.skipWhitespace(at + 1);
    }
  }

  async object(
    start: number,
    depth: number,
    path: string,
  ): Promise<{ value: Record<string, unknown>; end: number }> {
    const result: Record<string, unknown> = {};
    let at = this.skipWhitespace(start + 1);
    if (this.#buffer[at] === CLOSE_OBJECT) return { value: result, end: at + 1 };
    for (;;) {
      if (this.#buffer[at] !== QUOTE) throw invalidJson(`expected a property name at byte ${at}`);
      const keyEnd = this.stringEnd(at);
      const key = this.parseSlice(at, keyEnd) as string;
      at = this.skipWhitespace(keyEnd);
      if (this.#buffer[at] !== COLON) throw invalidJson(`expected ':' at byte ${at}`);
      const member = await this.value(this.skipWhitespace(at + 1), depth, `${path}/${key}`);
      // Like JSON.parse: an own data property, even for `__proto__`; a later duplicate wins.
      Object.defineProperty(result, key, {
        value: member.value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
      at = this.skipWhitespace(member.end);
      const separator = this.#buffer[at];
      if (separator === CLOSE_OBJECT) return { value: result, end: at + 1 };
      if (separator !== COMMA) throw invalidJson(`expected ',' or '}' at byte ${at}`);
      at = this.skipWhitespace(at + 1);
    }
  }
}

export async function parseJsonIncrementally(
  buffer: Buffer,
  options: IncrementalParseOptions,
): Promise<unknown> {
  const parser = new Parser(buffer, options);
  // A UTF-8 byte order mark is not JSON; JSON.parse refuses it too.
  const start = parser.skipWhitespace(0);
  if (start >= buffer.length) throw invalidJson('unexpected end of input');
  const { value, end } = await parser.value(start, 0, '');
  if (parser.skipWhitespace(end) !== buffer.length) throw invalidJson(`unexpected data after byte ${end}`);
  return value;
}
