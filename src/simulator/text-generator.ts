/**
 * Deterministic text and the simulator's tokenizer.
 *
 * Tokenizer: text is split on whitespace (any code unit <= 0x20); each word costs ceil(length / 4)
 * tokens, counted in UTF-16 code units. Whitespace is free. The rule never throws (lone surrogates and
 * NULs are just code units) and is additive over pieces split at word boundaries, which is what makes
 * per-chunk token counts sum to the reported usage.
 *
 * Generated text is drawn from a fixed pool of words that are all at most four characters long, so each
 * generated word is exactly one token and "N tokens" means "N words". Where in the pool a reply starts
 * is chosen by a hash of the prompt, so the same prompt always gets the same answer.
 */

/** The pool is written for this project; every entry is at most 4 characters (one token). */
const POOL_SENTENCES = [
  'the old mill by the lake ran all day and all of the town came to see it go.',
  'a cold wind blew off the sea, so we lit a fire and sat near it to nap.',
  'she said the map was odd, yet the road we took bent west and then ran dry.',
  'two owls sat on a high oak and kept a calm eye on the mice in the hay.',
  'when rain fell we ran in, shut the door and made tea for all six of us.',
  'his red cart had one bad axe, but it got the corn to town on cue.',
  'at dusk the sky went red, then dim, and the last boat came in.',
  'we will meet at noon by the pit; do not be late or the bus may go.',
];

function buildPool(): readonly string[] {
  const words: string[] = [];
  for (const sentence of POOL_SENTENCES) {
    for (const word of sentence.split(' ')) {
      if (word.length === 0 || word.length > 4) throw new Error(`pool word "${word}" is not one token`);
      words.push(word);
    }
  }
  return words;
}

const POOL: readonly string[] = buildPool();
const POOL_SIZE = POOL.length;

/** Tokens of a string under the simulator's rule (see the file comment). */
export function countTokens(text: string): number {
  let tokens = 0;
  let word = 0;
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) <= 0x20) {
      if (word > 0) tokens += (word + 3) >> 2;
      word = 0;
    } else {
      word++;
    }
  }
  if (word > 0) tokens += (word + 3) >> 2;
  return tokens;
}

/** FNV-1a over UTF-16 code units: a cheap, stable seed for choosing where a reply starts. */
export function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const textCache = new Map<string, string>();
const TEXT_CACHE_LIMIT = 4096;

/**
 * `count` pool words starting at pool position `start` (wrapping), joined by single spaces. With
 * `leadingSpace`, a space precedes the first word, so consecutive pieces concatenate into clean text.
 * Exactly `count` tokens either way. Results are memoised: a benchmark asks for the same few texts.
 */
export function poolText(start: number, count: number, leadingSpace = false): string {
  if (count <= 0) return '';
  const first = start % POOL_SIZE;
  const key = `${first}:${count}:${leadingSpace ? 1 : 0}`;
  const cached = textCache.get(key);
  if (cached !== undefined) return cached;
  let text = leadingSpace ? ' ' : '';
  for (let index = 0; index < count; index++) {
    if (index > 0) text += ' ';
    text += POOL[(first + index) % POOL_SIZE] as string;
  }
  if (textCache.size >= TEXT_CACHE_LIMIT) textCache.clear();
  textCache.set(key, text);
  return text;
}

/**
 * Splits `count` words into at most `chunks` consecutive pieces, as even as possible (earlier pieces
 * take the remainder). Returns the number of words in each piece; never an empty piece.
 */
export function splitCounts(count: number, chunks: number): number[] {
  if (count <= 0) return [];
  const pieces = Math.max(1, Math.min(chunks, count));
  const base = Math.floor(count / pieces);
  let remainder = count - base * pieces;
  const sizes: number[] = [];
  for (let index = 0; index < pieces; index++) {
    sizes.push(base + (remainder > 0 ? 1 : 0));
    if (remainder > 0) remainder--;
  }
  return sizes;
}

/** A piece of generated text and its exact token count. */
export interface TextPiece {
  readonly text: string;
  readonly tokens: number;
}

/** The text of `count` words from `start`, cut into at most `chunks` pieces that concatenate cleanly. */
export function poolPieces(start: number, count: number, chunks: number): TextPiece[] {
  const pieces: TextPiece[] = [];
  let offset = 0;
  for (const size of splitCounts(count, chunks)) {
    pieces.push({ text: poolText(start + offset, size, offset > 0), tokens: size });
    offset += size;
  }
  return pieces;
}
