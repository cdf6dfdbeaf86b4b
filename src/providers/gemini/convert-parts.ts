/**
 * The parts of one Gemini candidate (a whole answer, or one stream chunk's worth) -> the pieces of an
 * OpenAI message: visible text, thought text, tool calls, images, audio. Shared by the JSON and the
 * stream paths so they cannot drift.
 *
 * - text → `content`; `thought: true` text → `reasoning_content` (never mixed);
 * - code execution (`executableCode`, `codeExecutionResult`) → `content` as fenced blocks, so the code
 *   the model ran and what it printed reach clients that know nothing about Gemini;
 * - image `inlineData` → `images[]` as `data:` URLs (OpenRouter's shape);
 * - audio `inlineData` → `audio` (base64; Gemini speech is raw 16-bit PCM, wrapped in a WAV header when
 *   the client asked for `wav`);
 * - `functionCall` → `tool_calls` with ids that carry the thought signature.
 *
 * Each text-like piece is recorded with its UTF-8 byte span in Gemini's text (what grounding indices
 * count) and its character offset in `content` (what OpenAI's annotation indices count).
 */
import { randomBytes } from 'node:crypto';
import type { AudioOutputMessage, ImageOutput, ResponseToolCall } from '../../openai/response.ts';
import type { GeminiPart } from './gemini-types.ts';
import { encodeToolCallId } from './tool-call-id.ts';

export interface TextSpan {
  /** UTF-8 byte offset in the candidate's text parts, as Gemini's grounding segments count. */
  readonly byteStart: number;
  /** UTF-16 offset of the same text in `content`. */
  readonly charStart: number;
  readonly text: string;
}

export interface ConvertedParts {
  content: string;
  hasContent: boolean;
  reasoning: string;
  toolCalls: ResponseToolCall[];
  images: ImageOutput[];
  audio?: AudioOutputMessage;
  spans: TextSpan[];
}

export interface PartOffsets {
  /** Bytes of text parts seen before these parts (streams: earlier chunks). */
  bytes: number;
  /** Characters of content emitted before these parts. */
  chars: number;
}

export interface PartOptions {
  /** The client asked for `audio.format: "wav"`. */
  readonly wav?: boolean;
}

/** One functionCall part -> an OpenAI tool call whose id carries the part's thought signature. */
export function toToolCall(
  part: GeminiPart & { functionCall: NonNullable<GeminiPart['functionCall']> },
): ResponseToolCall {
  return {
    id: encodeToolCallId(part.thoughtSignature),
    type: 'function',
    function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
  };
}

export function hasFunctionCall(
  part: GeminiPart,
): part is GeminiPart & { functionCall: NonNullable<GeminiPart['functionCall']> } {
  return part.functionCall !== undefined;
}

function codeBlock(language: string, body: string): string {
  const text = body.endsWith('\n') ? body : `${body}\n`;
  return `\n\`\`\`${language}\n${text}\`\`\`\n`;
}

/** `audio/L16;codec=pcm;rate=24000` -> its sample rate (Gemini TTS: 24 kHz mono 16-bit). */
function pcmRate(mimeType: string): number | undefined {
  const lower = mimeType.toLowerCase();
  if (!lower.startsWith('audio/l16') && !lower.startsWith('audio/pcm')) return undefined;
  const match = /rate=(\d+)/.exec(lower);
  return match ? Number(match[1]) : 24000;
}

/** A 44-byte RIFF/WAVE header in front of mono 16-bit PCM. */
export function wavFromPcm(pcm: Buffer, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

function toAudio(mimeType: string, data: string, options: PartOptions): AudioOutputMessage {
  const rate = pcmRate(mimeType);
  const audio: AudioOutputMessage = {
    id: `audio_${randomBytes(12).toString('hex')}`,
    data,
    transcript: '',
    // Portico keeps no audio server-side; the field is OpenAI's, an hour ahead as OpenAI sets it.
    expires_at: Math.floor(Date.now() / 1000) + 3600,
    mime_type: mimeType,
  };
  if (options.wav && rate !== undefined) {
    audio.data = wavFromPcm(Buffer.from(data, 'base64'), rate).toString('base64');
    audio.mime_type = 'audio/wav';
  }
  return audio;
}

export function convertParts(
  parts: readonly GeminiPart[],
  offsets: PartOffsets = { bytes: 0, chars: 0 },
  options: PartOptions = {},
): ConvertedParts {
  const converted: ConvertedParts = {
    content: '',
    hasContent: false,
    reasoning: '',
    toolCalls: [],
    images: [],
    spans: [],
  };
  let bytes = offsets.bytes;
  const append = (text: string, grounded: boolean): void => {
    if (grounded) {
      converted.spans.push({ byteStart: bytes, charStart: offsets.chars + converted.content.length, text });
      bytes += Buffer.byteLength(text);
    }
    converted.content += text;
    converted.hasContent = converted.hasContent || text !== '';
  };
  for (const part of parts) {
    if (hasFunctionCall(part)) converted.toolCalls.push(toToolCall(part));
    else if (part.text !== undefined && part.thought === true) converted.reasoning += part.text;
    else if (part.text !== undefined) append(part.text, true);
    else if (part.executableCode !== undefined) {
      append(
        codeBlock((part.executableCode.language ?? '').toLowerCase(), part.executableCode.code ?? ''),
        false,
      );
    } else if (part.codeExecutionResult !== undefined) {
      append(codeBlock('output', part.codeExecutionResult.output ?? ''), false);
    } else if (part.inlineData !== undefined && part.thought !== true) {
      const { mimeType, data } = part.inlineData;
      if (mimeType.startsWith('audio/')) converted.audio = toAudio(mimeType, data, options);
      else
        converted.images.push({ type: 'image_url', image_url: { url: `data:${mimeType};base64,${data}` } });
    }
  }
  return converted;
}
