/**
 * The Gemini features the simulator honours beyond plain text, read from the request and written into
 * the answer, so that the offline default shows Portico working:
 *
 * - `responseMimeType: application/json` (+ `responseJsonSchema` / `responseSchema`) → the answer text
 *   is JSON valid against the schema (schema-instance.ts); without a schema, `{"answer": "sample"}`;
 * - `googleSearch` / `googleMaps` tools → `groundingMetadata` (queries, two web sources, one support
 *   spanning the answer, UTF-8 byte offsets as Gemini counts them);
 * - `codeExecution` → an `executableCode` part and its `codeExecutionResult`;
 * - `responseModalities` with IMAGE (or an `-image` model) → a PNG `inlineData` part after the text,
 *   1290 output tokens of modality IMAGE (Gemini's count for a 1024px image);
 * - AUDIO (or a `-tts` model) → raw 16-bit 24 kHz PCM `inlineData` instead of text;
 * - `responseLogprobs` (+ `logprobs: k`) → `logprobsResult` with chosen and top-k candidates.
 */
import { isRecord } from './protocol.ts';
import { schemaInstance } from './schema-instance.ts';

export const IMAGE_OUTPUT_TOKENS = 1290;
/** A 1x1 transparent PNG. */
const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
/** PCM bytes per simulated audio token (Gemini: 25 tokens a second of 24 kHz 16-bit audio = 1920). */
const PCM_BYTES_PER_TOKEN = 1920;

export interface GeminiFeatures {
  /** The whole answer text when it must be JSON; null for pooled words. */
  readonly json: string | null;
  readonly grounding: boolean;
  readonly codeExecution: boolean;
  readonly image: boolean;
  readonly audio: boolean;
  /** Top candidates per step when logprobs were asked for; null when they were not. */
  readonly logprobs: number | null;
  /** The last user text, used as the search query. */
  readonly query: string;
}

function toolKeys(tools: readonly unknown[]): Set<string> {
  const keys = new Set<string>();
  for (const tool of tools) if (isRecord(tool)) for (const key of Object.keys(tool)) keys.add(key);
  return keys;
}

export function readFeatures(
  config: Record<string, unknown>,
  tools: readonly unknown[],
  model: string,
  query: string,
): GeminiFeatures {
  const mime = config.responseMimeType ?? config.response_mime_type;
  const schema = config.responseJsonSchema ?? config.response_json_schema ?? config.responseSchema;
  const json =
    mime === 'application/json'
      ? JSON.stringify(schema === undefined ? { answer: 'sample' } : schemaInstance(schema))
      : null;
  const keys = toolKeys(tools);
  const rawModalities = config.responseModalities ?? config.response_modalities;
  const modalities = Array.isArray(rawModalities)
    ? rawModalities.map((modality) => String(modality).toUpperCase())
    : [];
  const logprobsAsked = (config.responseLogprobs ?? config.response_logprobs) === true;
  const top = config.logprobs;
  return {
    json,
    grounding: ['googleSearch', 'google_search', 'googleSearchRetrieval', 'googleMaps', 'google_maps'].some(
      (key) => keys.has(key),
    ),
    codeExecution: keys.has('codeExecution') || keys.has('code_execution'),
    image: modalities.includes('IMAGE') || (modalities.length === 0 && /-image\b/.test(model)),
    audio: modalities.includes('AUDIO') || (modalities.length === 0 && /-tts\b/.test(model)),
    logprobs: logprobsAsked ? (typeof top === 'number' && top > 0 ? Math.min(top, 20) : 0) : null,
    query,
  };
}

export function imagePart(): Record<string, unknown> {
  return { inlineData: { mimeType: 'image/png', data: PNG_1X1 } };
}

/** A quiet 440 Hz tone, `tokens` × 40 ms long. */
export function audioPart(tokens: number): Record<string, unknown> {
  const samples = (tokens * PCM_BYTES_PER_TOKEN) / 2;
  const pcm = Buffer.alloc(samples * 2);
  for (let index = 0; index < samples; index++) {
    pcm.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * index) / 24000) * 1000), index * 2);
  }
  return { inlineData: { mimeType: 'audio/L16;codec=pcm;rate=24000', data: pcm.toString('base64') } };
}

export function codeExecutionParts(): Record<string, unknown>[] {
  return [
    { executableCode: { language: 'PYTHON', code: 'print(sum(range(10)))\n' } },
    { codeExecutionResult: { outcome: 'OUTCOME_OK', output: '45\n' } },
  ];
}

export function groundingMetadata(text: string, query: string): Record<string, unknown> {
  const q = encodeURIComponent(query.slice(0, 100) || 'sample');
  const metadata: Record<string, unknown> = {
    webSearchQueries: [query.slice(0, 100) || 'sample'],
    groundingChunks: [
      { web: { uri: `https://example.com/search?q=${q}&source=1`, title: 'example.com' } },
      { web: { uri: `https://example.org/search?q=${q}&source=2`, title: 'example.org' } },
    ],
  };
  const bytes = Buffer.byteLength(text);
  if (bytes > 0) {
    metadata.groundingSupports = [
      { segment: { startIndex: 0, endIndex: bytes, text }, groundingChunkIndices: [0, 1] },
    ];
  }
  return metadata;
}

/** Tokens of a piece of text for logprobs: its words (pool words are one token each). */
function logprobTokens(text: string): string[] {
  return text.split(/(?<=\S)(?=\s)/).filter((token) => token.length > 0);
}

export function logprobsResult(text: string, top: number, seed: number): Record<string, unknown> {
  const tokens = logprobTokens(text);
  const logProbability = (index: number) => -((seed + index) % 7) / 20;
  const result: Record<string, unknown> = {
    chosenCandidates: tokens.map((token, index) => ({ token, logProbability: logProbability(index) })),
  };
  if (top > 0) {
    result.topCandidates = tokens.map((token, index) => ({
      candidates: Array.from({ length: top }, (_, rank) =>
        rank === 0
          ? { token, logProbability: logProbability(index) }
          : { token: `${token.trim()}${rank}`, logProbability: logProbability(index) - rank },
      ),
    }));
  }
  return result;
}
