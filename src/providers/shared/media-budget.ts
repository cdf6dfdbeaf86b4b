/**
 * What one request may make the gateway download and hold (issue 17, High 3; `server.media`): how many
 * media parts, how many bytes of each kind, and how many in all. Downloads charge the budget chunk by
 * chunk as they stream in, so a request is stopped when it crosses a limit, not after it has filled
 * memory. Crossing one is the client's doing: a 400 that names the limit and its value.
 */
import type { MediaKind, MediaLimits } from '../../config/hardening.ts';

export class MediaLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MediaLimitError';
  }
}

const MB = 1024 * 1024;

function megabytes(bytes: number): string {
  return `${Math.round((bytes / MB) * 100) / 100} MB`;
}

const KIND_SETTING: Record<MediaKind, string> = {
  image: 'max_image_mb',
  audio: 'max_audio_mb',
  file: 'max_file_mb',
  video: 'max_video_mb',
};

export function mediaKindOf(mimeType: string): MediaKind {
  if (mimeType.startsWith('image/')) return 'image';
  if (mimeType.startsWith('audio/')) return 'audio';
  if (mimeType.startsWith('video/')) return 'video';
  return 'file';
}

export class MediaBudget {
  readonly #limits: MediaLimits;
  #parts = 0;
  #total = 0;

  constructor(limits: MediaLimits) {
    this.#limits = limits;
  }

  get limits(): MediaLimits {
    return this.#limits;
  }

  /** One more media part (inline or by URL). */
  admitPart(): void {
    this.#parts++;
    if (this.#parts > this.#limits.maxParts) {
      throw new MediaLimitError(
        `the request has more than ${this.#limits.maxParts} media parts (server.media.max_parts)`,
      );
    }
  }

  /** The most one item of this kind may still take: its own cap, and what is left of the total. */
  capFor(kind: MediaKind): number {
    return Math.min(this.#limits.maxBytesByKind[kind], this.#limits.maxTotalBytes - this.#total);
  }

  /** Count `bytes` more of one item whose bytes so far (including these) are `itemBytes`. */
  charge(kind: MediaKind, bytes: number, itemBytes: number): void {
    const kindCap = this.#limits.maxBytesByKind[kind];
    if (itemBytes > kindCap) {
      throw new MediaLimitError(
        `one ${kind} is larger than ${megabytes(kindCap)} (server.media.${KIND_SETTING[kind]})`,
      );
    }
    this.#total += bytes;
    if (this.#total > this.#limits.maxTotalBytes) {
      throw new MediaLimitError(
        `the request's media add up to more than ${megabytes(this.#limits.maxTotalBytes)} (server.media.max_total_mb)`,
      );
    }
  }
}
