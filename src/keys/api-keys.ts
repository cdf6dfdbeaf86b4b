/**
 * API keys: `sk-port-` + 32 random bytes (256 bits) in base64url. Only the SHA-256 hash and a short
 * display prefix are stored; the key is shown once, at creation.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { randomToken } from '../ids.ts';

export const KEY_PREFIX = 'sk-port-';

export interface GeneratedKey {
  key: string;
  hash: string;
  prefix: string;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(prefix = KEY_PREFIX): GeneratedKey {
  const key = prefix + randomToken(32);
  return { key, hash: hashKey(key), prefix: key.slice(0, prefix.length + 6) };
}

/** Constant-time comparison of two hex digests. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
