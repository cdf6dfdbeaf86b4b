/**
 * OpenAI user content parts -> Gemini parts (gemini-mapping.md §5.2). Inline data stays inline; Files
 * API and YouTube URLs go by reference (`fileData`), the only URLs Gemini's API fetches itself; any
 * other http(s) URL is downloaded through the guarded fetcher and inlined. A URL that cannot be used is
 * the client's 400 on `messages`.
 */
import type { UserContentPart } from '../../openai/request.ts';
import { invalidRequestError } from './errors.ts';
import type { GeminiMediaResolution, GeminiPart } from './gemini-types.ts';
import { MediaFetchError, mimeTypeFromPath, type MediaFetcher } from './guarded-fetch.ts';

export interface PartContext {
  readonly fetchMedia: MediaFetcher;
  readonly signal: AbortSignal;
  /** Gemini 3 takes a per-part `mediaResolution`, the closest thing to `image_url.detail`. */
  readonly mediaResolution: boolean;
}

interface DataUrl {
  mimeType: string;
  base64: string;
}

/** `data:<mime>[;params][;base64],<payload>`; a non-base64 payload is percent-decoded and re-encoded. */
export function parseDataUrl(url: string): DataUrl | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const header = url.slice(5, comma).split(';');
  const mimeType = (header[0] ?? '').trim().toLowerCase() || 'text/plain';
  const payload = url.slice(comma + 1);
  if (header.slice(1).some((parameter) => parameter.trim().toLowerCase() === 'base64')) {
    return { mimeType, base64: payload };
  }
  try {
    return { mimeType, base64: Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64') };
  } catch {
    return undefined;
  }
}

/** Files uploaded through Gemini's Files API, which `fileData.fileUri` takes natively. */
export function isFilesApiUri(url: URL): boolean {
  return url.hostname === 'generativelanguage.googleapis.com' && /\/files\/[^/]+$/.test(url.pathname);
}

export function isYouTubeUrl(url: URL): boolean {
  const host = url.hostname.replace(/^(www\.|m\.)/, '');
  if (host === 'youtu.be') return url.pathname.length > 1;
  return (
    host === 'youtube.com' && (url.searchParams.has('v') || /^\/(shorts|live)\/[^/]+/.test(url.pathname))
  );
}

const RESOLUTION: Record<'low' | 'high', GeminiMediaResolution> = {
  low: 'MEDIA_RESOLUTION_LOW',
  high: 'MEDIA_RESOLUTION_HIGH',
};

async function urlPart(rawUrl: string, context: PartContext, fallbackMime?: string): Promise<GeminiPart> {
  const dataUrl = parseDataUrl(rawUrl);
  if (rawUrl.startsWith('data:')) {
    if (!dataUrl) throw invalidRequestError('a data: URL in messages is malformed');
    return { inlineData: { mimeType: dataUrl.mimeType, data: dataUrl.base64 } };
  }
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw invalidRequestError('a media URL in messages is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalidRequestError('media URLs must be data:, http: or https: URLs');
  }
  if (isYouTubeUrl(url)) return { fileData: { mimeType: 'video/mp4', fileUri: url.href } };
  if (isFilesApiUri(url)) {
    const mimeType = mimeTypeFromPath(url.pathname) ?? fallbackMime;
    return { fileData: mimeType ? { mimeType, fileUri: url.href } : { fileUri: url.href } };
  }
  try {
    const media = await context.fetchMedia(url.href, context.signal);
    return { inlineData: { mimeType: media.mimeType, data: media.data.toString('base64') } };
  } catch (error) {
    if (error instanceof MediaFetchError) throw invalidRequestError(`image_url refused: ${error.message}`);
    throw error;
  }
}

/** `input_audio.format` is a short token: mp3 -> audio/mp3, wav -> audio/wav, other -> audio/<format>. */
function audioMimeType(format: string): string {
  const normalized = format.trim().toLowerCase();
  if (!/^[a-z0-9.+-]+$/.test(normalized))
    throw invalidRequestError('input_audio.format is not a valid format');
  return `audio/${normalized}`;
}

async function filePart(
  file: { file_data?: string; file_id?: string; filename?: string },
  context: PartContext,
) {
  const fromName = file.filename === undefined ? undefined : mimeTypeFromPath(file.filename);
  if (file.file_data !== undefined) {
    if (file.file_data.startsWith('data:')) return urlPart(file.file_data, context);
    // Bare base64, as some clients send it: the file name decides the type, PDF by default.
    return { inlineData: { mimeType: fromName ?? 'application/pdf', data: file.file_data } };
  }
  if (file.file_id !== undefined) {
    return { fileData: fromName ? { mimeType: fromName, fileUri: file.file_id } : { fileUri: file.file_id } };
  }
  throw invalidRequestError('a file part needs file_data or file_id');
}

async function convertPart(part: UserContentPart, context: PartContext): Promise<GeminiPart> {
  switch (part.type) {
    case 'text':
      return { text: part.text };
    case 'image_url': {
      const converted = await urlPart(part.image_url.url, context);
      const detail = part.image_url.detail;
      if (context.mediaResolution && (detail === 'low' || detail === 'high')) {
        converted.mediaResolution = { level: RESOLUTION[detail] };
      }
      return converted;
    }
    case 'input_audio':
      return {
        inlineData: { mimeType: audioMimeType(part.input_audio.format), data: part.input_audio.data },
      };
    case 'file':
      return filePart(part.file, context);
    default: {
      const unhandled: never = part;
      return unhandled;
    }
  }
}

export async function convertUserContent(
  content: string | UserContentPart[],
  context: PartContext,
): Promise<GeminiPart[]> {
  if (typeof content === 'string') return [{ text: content }];
  return Promise.all(content.map((part) => convertPart(part, context)));
}
