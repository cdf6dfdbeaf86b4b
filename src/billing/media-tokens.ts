/**
 * Upper bounds of the prompt tokens one media part can cost, by type and size (docs/media-holds.md).
 * Gemini's published rules: an image is 258 tokens up to 384×384 pixels, else 258 per 768×768 tile;
 * Gemini 3 bills up to 1,120 per image at high media resolution; video about 300 tokens a second
 * (frames at 1 fps plus audio); audio 32 tokens a second; a PDF page 258 (560 at Gemini 3's high
 * resolution). Sizes are known for inline data; a remote URL is bounded by its file type when its path
 * names one (`.pdf`, `.mp4`, …) at the largest download the fetcher allows, else as a large image.
 */

/** Gemini 3 high media resolution: the most one image costs there. */
export const IMAGE_MIN_BOUND = 1_120;
const TILE_TOKENS = 258;
const TILE_PIXELS = 768;
const SMALL_IMAGE_PIXELS = 384;
/** A remote image of unknown size: a 3072×3072 image in 768-pixel tiles. */
export const REMOTE_IMAGE_TOKENS = 16 * TILE_TOKENS;
/** Video: ~300 tokens a second, and no useful video below 64 kbit/s (8,000 bytes a second). */
const VIDEO_TOKENS_PER_BYTE = 300 / 8_000;
/** Audio: 32 tokens a second, and no speech codec below 6 kbit/s (750 bytes a second). */
const AUDIO_TOKENS_PER_BYTE = 32 / 750;
export const AUDIO_MIN_TOKENS = 32;
/** PDF: 560 tokens a page (Gemini 3, high); Gemini reads at most 1,000 pages of one document. */
const PDF_PAGE_TOKENS = 560;
const PDF_MAX_PAGES = 1_000;
/** Images whose dimensions cannot be read: one tile per 16 KiB of compressed data, at least the minimum. */
const IMAGE_BYTES_PER_TILE = 16 * 1024;
/** The largest remote media the guarded downloader fetches (guarded-fetch.ts). */
export const REMOTE_MEDIA_MAX_BYTES = 20 * 1024 * 1024;

export function imageTokensForSize(width: number, height: number): number {
  if (width <= SMALL_IMAGE_PIXELS && height <= SMALL_IMAGE_PIXELS)
    return Math.max(TILE_TOKENS, IMAGE_MIN_BOUND);
  const tiles = Math.ceil(width / TILE_PIXELS) * Math.ceil(height / TILE_PIXELS);
  return Math.max(tiles * TILE_TOKENS, IMAGE_MIN_BOUND);
}

/** Width and height from a PNG, GIF, JPEG or WebP header; undefined when the bytes say neither. */
export function imageDimensions(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47) {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 10 && bytes.toString('latin1', 0, 3) === 'GIF') {
    return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  }
  if (
    bytes.length >= 30 &&
    bytes.toString('latin1', 0, 4) === 'RIFF' &&
    bytes.toString('latin1', 8, 12) === 'WEBP'
  ) {
    const kind = bytes.toString('latin1', 12, 16);
    if (kind === 'VP8X') return { width: 1 + bytes.readUIntLE(24, 3), height: 1 + bytes.readUIntLE(27, 3) };
    if (kind === 'VP8L') {
      const bits = bytes.readUInt32LE(21);
      return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
    }
    if (kind === 'VP8 ')
      return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) return jpegDimensions(bytes);
  return undefined;
}

function jpegDimensions(bytes: Buffer): { width: number; height: number } | undefined {
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1] as number;
    const length = bytes.readUInt16BE(offset + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
    }
    offset += 2 + length;
  }
  return undefined;
}

type MediaKind = 'image' | 'video' | 'audio' | 'pdf' | 'other';

export function mediaKind(mimeType: string): MediaKind {
  const type = mimeType.toLowerCase();
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('audio/')) return 'audio';
  if (type === 'application/pdf') return 'pdf';
  return 'other';
}

/** Page objects counted in the file; a page tree hidden in compressed object streams counts as the maximum. */
function pdfPages(bytes: Buffer): number {
  const found = bytes.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g)?.length ?? 0;
  return found > 0 ? Math.min(found, PDF_MAX_PAGES) : PDF_MAX_PAGES;
}

/** Decoded size of base64 text, without decoding it. */
function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding);
}

/** The bound for media whose base64 data Portico has (a data URL, `input_audio`, `file_data`). */
export function inlineMediaTokens(mimeType: string, base64: string): number {
  const size = base64Bytes(base64);
  switch (mediaKind(mimeType)) {
    case 'image': {
      // The header is in the first bytes: decode only those.
      const dimensions = imageDimensions(Buffer.from(base64.slice(0, 87_384), 'base64'));
      if (dimensions) return imageTokensForSize(dimensions.width, dimensions.height);
      return Math.max(IMAGE_MIN_BOUND, Math.ceil(size / IMAGE_BYTES_PER_TILE) * TILE_TOKENS);
    }
    case 'video':
      return Math.max(IMAGE_MIN_BOUND, Math.ceil(size * VIDEO_TOKENS_PER_BYTE));
    case 'audio':
      return Math.max(AUDIO_MIN_TOKENS, Math.ceil(size * AUDIO_TOKENS_PER_BYTE));
    case 'pdf':
      return pdfPages(Buffer.from(base64, 'base64')) * PDF_PAGE_TOKENS;
    case 'other':
      // Text-like documents: every byte may be a token.
      return Math.max(IMAGE_MIN_BOUND, size);
  }
}

const REMOTE_TYPES: ReadonlyArray<[RegExp, string]> = [
  [/\.pdf$/i, 'application/pdf'],
  [/\.(mp4|mov|webm|mkv|avi|mpe?g|3gp|flv|wmv)$/i, 'video/*'],
  [/\.(mp3|wav|flac|aac|ogg|opus|m4a|aiff?)$/i, 'audio/*'],
];

/** The bound for media Portico only has a URL for: by the file type the path names, at the largest size fetched. */
export function remoteMediaTokens(url: string): number {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // not a URL Portico can fetch; the provider refuses it, the hold only needs a bound
  }
  for (const [pattern, type] of REMOTE_TYPES) {
    if (pattern.test(path)) return remoteBound(type);
  }
  return REMOTE_IMAGE_TOKENS;
}

function remoteBound(type: string): number {
  switch (mediaKind(type)) {
    case 'video':
      return Math.ceil(REMOTE_MEDIA_MAX_BYTES * VIDEO_TOKENS_PER_BYTE);
    case 'audio':
      return Math.ceil(REMOTE_MEDIA_MAX_BYTES * AUDIO_TOKENS_PER_BYTE);
    default:
      return PDF_MAX_PAGES * PDF_PAGE_TOKENS;
  }
}

/** The bound for an `image_url` part: a data URL by its type and size, else by its URL. */
export function imageUrlTokens(url: string): number {
  const match = /^data:([^;,]+)?(;[^,]*)?,/i.exec(url);
  if (!match) return remoteMediaTokens(url);
  const data = url.slice(match[0].length);
  const mimeType = match[1] ?? 'text/plain';
  if (/;base64/i.test(match[2] ?? '')) return inlineMediaTokens(mimeType, data);
  return Math.max(IMAGE_MIN_BOUND, data.length);
}
