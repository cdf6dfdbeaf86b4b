/** Identifiers: unique, time-ordered (lexicographic order = creation order), URL-safe. */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
let lastMillis = 0;
let sequence = 0;

// Random bytes are drawn 4 KiB at a time: one system call per ~340 ids instead of one per id.
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;

function randomBase62(length: number): string {
  if (poolOffset + length > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  let result = '';
  for (let index = 0; index < length; index++) result += ALPHABET[(pool[poolOffset + index] as number) % 62];
  poolOffset += length;
  return result;
}

/** `<prefix><11 chars of time+sequence><12 random chars>`; ordered by creation within one process. */
export function timeOrderedId(prefix: string): string {
  const now = Date.now();
  if (now === lastMillis) sequence++;
  else {
    lastMillis = now;
    sequence = 0;
  }
  const time = now.toString(36).padStart(9, '0');
  const seq = (sequence % 1296).toString(36).padStart(2, '0');
  return `${prefix}${time}${seq}${randomBase62(12)}`;
}

export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
