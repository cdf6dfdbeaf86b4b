/**
 * The operator's limits against hostile clients (issue 17, docs/security.md): the `server` fields that
 * bound what one request or one client may cost before and after it is authenticated. Kept apart from
 * the rest of the config so each limit, its default and its reason sit together.
 */
import { Type, type Static } from '@sinclair/typebox';

const Megabytes = Type.Number({ exclusiveMinimum: 0, maximum: 1024 });

export const MediaLimitsSchema = Type.Object(
  {
    /** Media parts (images, audio, files) in one request, inline or by URL. */
    max_parts: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    /** All media of one request together, decoded, inline and downloaded. */
    max_total_mb: Type.Optional(Megabytes),
    max_image_mb: Type.Optional(Megabytes),
    max_audio_mb: Type.Optional(Megabytes),
    max_file_mb: Type.Optional(Megabytes),
    max_video_mb: Type.Optional(Megabytes),
  },
  { additionalProperties: false },
);

/** Spread into the `server` object of the config schema. */
export const HardeningServerFields = {
  /** The whole body must arrive within this many ms of the headers (408 and close otherwise). */
  body_timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
  /** Open connections one client address may hold before any of them authenticated. */
  unauthenticated_connections_per_ip: Type.Optional(Type.Integer({ minimum: 1 })),
  /**
   * Addresses (or CIDR ranges) of the reverse proxies in front of Portico. Only a request arriving from
   * one of them has its `X-Forwarded-For` believed; the client address is then the last one the
   * proxies did not add. Empty: the socket address is the client.
   */
  trust_proxy: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  media: Type.Optional(MediaLimitsSchema),
  /** Keys one account may create for itself from the dashboard (the operator is not bound by it). */
  max_keys_per_account: Type.Optional(Type.Integer({ minimum: 1 })),
  /** `/metrics` needs the admin key unless this is true (for a scraper on a private network). */
  public_metrics: Type.Optional(Type.Boolean()),
};

export interface MediaLimits {
  readonly maxParts: number;
  readonly maxTotalBytes: number;
  readonly maxBytesByKind: Readonly<Record<MediaKind, number>>;
}

export type MediaKind = 'image' | 'audio' | 'file' | 'video';

export interface HardeningConfig {
  readonly bodyTimeoutMs: number;
  readonly unauthenticatedConnectionsPerIp: number;
  readonly trustProxy: readonly string[];
  readonly media: MediaLimits;
  readonly maxKeysPerAccount: number;
  readonly publicMetrics: boolean;
}

const MB = 1024 * 1024;

export const DEFAULT_HARDENING: HardeningConfig = Object.freeze({
  bodyTimeoutMs: 30_000,
  unauthenticatedConnectionsPerIp: 256,
  trustProxy: [],
  media: {
    maxParts: 64,
    maxTotalBytes: 40 * MB,
    maxBytesByKind: { image: 20 * MB, audio: 20 * MB, file: 20 * MB, video: 20 * MB },
  },
  maxKeysPerAccount: 50,
  publicMetrics: false,
});

type HardeningServer = Static<ReturnType<typeof Type.Object<typeof HardeningServerFields>>>;

/**
 * `PORTICO_TRUST_PROXY` (comma-separated addresses or ranges) overrides `server.trust_proxy`, so a
 * container deployment can name its proxy network without a config file.
 */
export function resolveHardening(
  server: HardeningServer | undefined,
  env: Readonly<Record<string, string | undefined>> = {},
): HardeningConfig {
  const media = server?.media;
  const bytes = (megabytes: number | undefined, fallback: number) =>
    megabytes === undefined ? fallback : Math.floor(megabytes * MB);
  const defaults = DEFAULT_HARDENING.media.maxBytesByKind;
  return Object.freeze({
    bodyTimeoutMs: server?.body_timeout_ms ?? DEFAULT_HARDENING.bodyTimeoutMs,
    unauthenticatedConnectionsPerIp:
      server?.unauthenticated_connections_per_ip ?? DEFAULT_HARDENING.unauthenticatedConnectionsPerIp,
    trustProxy: Object.freeze(
      env.PORTICO_TRUST_PROXY
        ? env.PORTICO_TRUST_PROXY.split(',')
            .map((entry) => entry.trim())
            .filter(Boolean)
        : [...(server?.trust_proxy ?? [])],
    ),
    media: Object.freeze({
      maxParts: media?.max_parts ?? DEFAULT_HARDENING.media.maxParts,
      maxTotalBytes: bytes(media?.max_total_mb, DEFAULT_HARDENING.media.maxTotalBytes),
      maxBytesByKind: Object.freeze({
        image: bytes(media?.max_image_mb, defaults.image),
        audio: bytes(media?.max_audio_mb, defaults.audio),
        file: bytes(media?.max_file_mb, defaults.file),
        video: bytes(media?.max_video_mb, defaults.video),
      }),
    }),
    maxKeysPerAccount: server?.max_keys_per_account ?? DEFAULT_HARDENING.maxKeysPerAccount,
    publicMetrics: server?.public_metrics ?? DEFAULT_HARDENING.publicMetrics,
  });
}
