/**
 * Where a client API request carries its key, for every door (DESIGN.md §10): `Authorization: Bearer`,
 * `x-api-key` (Anthropic), `x-goog-api-key` (Gemini), and `?key=` on the Gemini-native routes only
 * (`/v1beta/...`, or a `models/{model}:action` path), where Google's own clients put it.
 */
import { extractApiKey } from '../pipeline/authenticate.ts';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** Keys longer than this are refused without a lookup (real keys are about 50 characters). */
export const MAX_KEY_LENGTH = 256;

export function isGeminiNativePath(path: string): boolean {
  return path.startsWith('/v1beta/') || /^\/v1\/models\/[^/]+:[A-Za-z]+$/.test(path);
}

function queryKey(url: string): string | undefined {
  const question = url.indexOf('?');
  if (question < 0) return undefined;
  const value = new URLSearchParams(url.slice(question + 1)).get('key');
  return value ? value.trim() || undefined : undefined;
}

/** The key a client API request presents, or undefined when it presents none. */
export function clientKey(headers: Headers, url: string): string | undefined {
  const fromHeaders = extractApiKey(headers);
  if (fromHeaders !== undefined) return fromHeaders;
  const path = url.split('?', 1)[0] ?? url;
  return isGeminiNativePath(path) ? queryKey(url) : undefined;
}

/** The routes a client key opens: every door lives under `/v1/` or `/v1beta/`. */
export function isClientApiPath(url: string): boolean {
  return url.startsWith('/v1/') || url.startsWith('/v1beta/') || url === '/v1' || url === '/v1beta';
}
