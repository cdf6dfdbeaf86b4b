/**
 * Tool-call ids and Gemini thought signatures.
 *
 * Gemini's OpenAI-compatible endpoint answers tool calls with `"id": ""` and puts a thought signature in
 * `extra_content.google.thought_signature`, which it wants back on the assistant tool call of the next
 * turn (docs: gemini-mapping.md §9). Clients echo only `id`, `type` and `function`, so the signature is
 * packed into the id we hand out: `<id>~sig.<base64url(utf-8 signature)>`. On the way back the suffix
 * is split off: the upstream sees its own id again and the signature returns in `extra_content`.
 *
 * This is deliberately independent of the native Gemini provider's encoding: providers do not import
 * each other's internals, and an id only ever returns to the provider type that issued it.
 */
import { randomBytes } from 'node:crypto';
import { isRecord, recordAt, stringAt } from './json-shape.ts';

const SIGNATURE_MARKER = '~sig.';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** `call_` and 24 hex characters, the shape OpenAI's own ids have. */
export function newToolCallId(): string {
  return `call_${randomBytes(12).toString('hex')}`;
}

export function encodeToolCallId(id: string, signature: string | undefined): string {
  if (signature === undefined || signature === '') return id;
  return `${id}${SIGNATURE_MARKER}${Buffer.from(signature, 'utf8').toString('base64url')}`;
}

export interface DecodedToolCallId {
  id: string;
  signature?: string;
}

export function decodeToolCallId(encoded: string): DecodedToolCallId {
  const at = encoded.lastIndexOf(SIGNATURE_MARKER);
  if (at < 0) return { id: encoded };
  const packed = encoded.slice(at + SIGNATURE_MARKER.length);
  if (!BASE64URL.test(packed)) return { id: encoded };
  return { id: encoded.slice(0, at), signature: Buffer.from(packed, 'base64url').toString('utf8') };
}

/** `extra_content.google.thought_signature`, when the value carries one. */
export function signatureIn(extraContent: unknown): string | undefined {
  if (!isRecord(extraContent)) return undefined;
  const signature = stringAt(recordAt(extraContent, 'google'), 'thought_signature');
  return signature === '' ? undefined : signature;
}

export function extraContentFor(signature: string): { google: { thought_signature: string } } {
  return { google: { thought_signature: signature } };
}
