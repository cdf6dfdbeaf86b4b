/**
 * Deterministic text and token counting for the simulator. A "token" is one word plus its trailing space,
 * so usage is exact and reproducible: the same prompt always gives the same answer and the same counts.
 */

const WORDS = (
  'the gateway answers quickly and bills every token exactly once while the simulator plays a model ' +
  'that speaks in short plain sentences about routing credits streams and careful translation of requests'
).split(' ');

export function hashText(text: string): number {
  let hash = 2166136261;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 16777619);
  }
  return hash >>> 0;
}

/** `count` tokens of deterministic text seeded by `seed`. */
export function generateTokens(seed: number, count: number): string[] {
  const tokens: string[] = [];
  let state = seed || 1;
  for (let index = 0; index < count; index++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const word = WORDS[state % WORDS.length] as string;
    tokens.push(index === count - 1 ? `${word}.` : `${word} `);
  }
  return tokens;
}

export function countTokens(text: string): number {
  let count = 0;
  let inWord = false;
  for (let index = 0; index < text.length; index++) {
    const space = text.charCodeAt(index) <= 32;
    if (!space && !inWord) count++;
    inWord = !space;
  }
  return count;
}

/** Split `tokens` into `parts` contiguous groups (at least one token each while tokens last). */
export function splitIntoChunks(tokens: string[], parts: number): string[] {
  const chunks: string[] = [];
  const size = Math.max(1, Math.ceil(tokens.length / Math.max(1, parts)));
  for (let index = 0; index < tokens.length; index += size) chunks.push(tokens.slice(index, index + size).join(''));
  return chunks;
}
