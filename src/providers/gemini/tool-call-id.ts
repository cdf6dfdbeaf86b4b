/**
 * Tool-call ids that carry Gemini's thought signature through an OpenAI client
 * (docs/decisions/021-gemini-thought-signatures.md). Gemini 3 rejects a replayed function call without
 * the signature it was generated with, and OpenAI clients (the official SDK included) echo back only a
 * tool call's `id`, `type` and `function`. So the signature rides inside the id:
 *
 *   call_<24 base62>                      no signature
 *   call_<24 base62>_ts_<base64url>       signature, standard base64 re-encoded as unpadded base64url
 *   call_<24 base62>_tu_<base64url>       signature that was not canonical base64: its UTF-8 bytes
 *
 * Only [A-Za-z0-9_-] is used, so the id also survives clients and gateways that restrict tool-call ids
 * to that alphabet. Ids grow with the signature (a ~1.4 KB signature gives a ~1 KB id); LiteLLM makes the
 * same trade.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LENGTH = 24;
const ID_PATTERN = /^call_[0-9A-Za-z]{24}_(ts|tu)_([A-Za-z0-9_-]+)$/;

function randomBase62(length: number): string {
  const bytes = randomBytes(length);
  let result = '';
  for (const byte of bytes) result += ALPHABET[byte % 62];
  return result;
}

function isCanonicalBase64(value: string): boolean {
  return value.length > 0 && Buffer.from(value, 'base64').toString('base64') === value;
}

export function encodeToolCallId(thoughtSignature?: string): string {
  const base = `call_${randomBase62(RANDOM_LENGTH)}`;
  if (thoughtSignature === undefined || thoughtSignature === '') return base;
  if (isCanonicalBase64(thoughtSignature)) {
    return `${base}_ts_${Buffer.from(thoughtSignature, 'base64').toString('base64url')}`;
  }
  return `${base}_tu_${Buffer.from(thoughtSignature, 'utf8').toString('base64url')}`;
}

/** The signature packed into one of our ids, or undefined for any other id. */
export function decodeThoughtSignature(id: string): string | undefined {
  const match = ID_PATTERN.exec(id);
  if (!match) return undefined;
  const bytes = Buffer.from(match[2] as string, 'base64url');
  return match[1] === 'ts' ? bytes.toString('base64') : bytes.toString('utf8');
}
