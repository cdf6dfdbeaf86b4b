/**
 * The Gemini-native door's codecs, one per way of answering a generation: `:generateContent` (JSON),
 * `:streamGenerateContent?alt=sse` (SSE) and `:streamGenerateContent` without `alt=sse`, which Google
 * answers with a JSON array of responses; Portico answers it with a one-element array holding the whole
 * answer, which every reader of that stream format accepts. All three forward the client's own body when
 * the deployment speaks Gemini (`native`), and translate through the canonical request otherwise.
 */
import type { RequestContext } from '../../pipeline/context.ts';
import type { NativeRequest } from '../../providers/provider.ts';
import type { DoorCodec } from '../codec.ts';
import { decodeGenerateRequest } from './decode.ts';
import { encodeCompleted } from './encode.ts';
import { googleErrorReply } from './errors.ts';
import { isObject } from './fields.ts';
import { GeminiStreamEncoder } from './stream.ts';

function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

function camelKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [camel(key), item]));
}

/**
 * The client's body for passthrough, with the top level and `generationConfig` in camelCase, so the
 * fields Portico sets there (the output cap) replace the client's instead of travelling beside them.
 * The decoder already refused a field spelled both ways.
 */
export function nativeBody(raw: unknown): NativeRequest | undefined {
  if (!isObject(raw)) return undefined;
  const body = camelKeys(raw);
  if (isObject(body.generationConfig)) body.generationConfig = camelKeys(body.generationConfig);
  return { dialect: 'gemini', body };
}

export type GeminiAnswer = 'json' | 'sse' | 'json-array';

function makeCodec(answer: GeminiAnswer): DoorCodec {
  const stream = answer === 'sse';
  return {
    name: 'gemini-native',
    decode: (raw, pathModel) => decodeGenerateRequest(raw, pathModel ?? '', stream),
    wantsStream: () => stream,
    encodeJson: (context: RequestContext) => (completed) => {
      const body = encodeCompleted(context, completed);
      return answer === 'json-array' ? `[${body}]` : body;
    },
    streamEncoder: (context) => new GeminiStreamEncoder(context),
    errorReply: googleErrorReply,
    native: (raw) => nativeBody(raw),
  };
}

export const GEMINI_CODECS: Readonly<Record<GeminiAnswer, DoorCodec>> = Object.freeze({
  json: makeCodec('json'),
  sse: makeCodec('sse'),
  'json-array': makeCodec('json-array'),
});
