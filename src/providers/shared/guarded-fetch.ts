/**
 * Downloads a client-supplied media URL so it can be inlined (Gemini's API takes only Files API and
 * YouTube URLs by reference). The URL comes from an untrusted client, so this is an SSRF surface
 * (OWASP API7): every hop is checked where it matters, at connect time, through a DNS lookup hook that
 * refuses loopback, private, link-local, unique-local, unspecified, multicast, reserved and
 * IPv4-mapped IPv6 addresses. IP-literal hosts never reach the hook, so they are checked up front.
 * Redirects are followed by hand (a few hops at most), each hop re-checked; bodies are size-capped and
 * the whole download is time-limited. With a per-request `MediaBudget` (issue 17), every chunk is
 * charged as it arrives, so the request's media limits stop a download midway.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';
import { MediaBudget, MediaLimitError, mediaKindOf } from './media-budget.ts';

export interface FetchedMedia {
  mimeType: string;
  data: Buffer;
}

/**
 * Fetches one media URL; rejects with `MediaFetchError` when the URL is refused or unusable. A budget,
 * when given, is charged for the download (count and bytes) as it streams in.
 */
export type MediaFetcher = (url: string, signal: AbortSignal, budget?: MediaBudget) => Promise<FetchedMedia>;

export interface GuardedFetchOptions {
  maxBytes?: number;
  timeoutMs?: number;
  maxRedirects?: number;
  /**
   * Tests only, never set from configuration: `true` lets the fetcher reach any address (a server on
   * loopback); a function allows the non-public addresses it returns true for, and nothing else.
   */
  allowPrivateAddresses?: boolean | ((address: string) => boolean);
}

export class MediaFetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MediaFetchError';
  }
}

// Two lists: a BlockList holding the IPv4-mapped IPv6 range would match every IPv4 address.
const BLOCKED_V4 = new BlockList();
const BLOCKED_V6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED_V4.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form
  ['::ffff:0:0', 96], // IPv4-mapped
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT)
  ['64:ff9b::', 96], // NAT64
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001::', 32], // Teredo can embed any IPv4 address
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4 can embed any IPv4 address
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED_V6.addSubnet(network, prefix, 'ipv6');
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return family === 4 ? !BLOCKED_V4.check(address, 'ipv4') : !BLOCKED_V6.check(address, 'ipv6');
}

const REFUSED = 'ERR_PORTICO_REFUSED_ADDRESS';

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

type AddressPolicy = (address: string) => boolean;

/** A `net.connect` lookup hook: resolves, then refuses unless every address is allowed. */
const guardedLookup =
  (allowed: AddressPolicy) => (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const refused = addresses.find((entry) => !allowed(entry.address));
      if (refused || addresses.length === 0) {
        const denial: NodeJS.ErrnoException = new Error(`${hostname} resolves to a non-public address`);
        denial.code = REFUSED;
        return callback(denial, []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };

function isRefusal(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if ((current as NodeJS.ErrnoException).code === REFUSED) return true;
  }
  return false;
}

const MEDIA_TYPE = /^(image|audio|video)\/[\w.+-]+$|^application\/pdf$/;

export class GuardedFetcher {
  readonly #agent: Agent;
  readonly #options: Required<Omit<GuardedFetchOptions, 'allowPrivateAddresses'>>;
  readonly #allowed: AddressPolicy;

  constructor(options: GuardedFetchOptions = {}) {
    this.#options = Object.freeze({
      maxBytes: options.maxBytes ?? 20 * 1024 * 1024,
      timeoutMs: options.timeoutMs ?? 15_000,
      maxRedirects: options.maxRedirects ?? 3,
    });
    const exception = options.allowPrivateAddresses ?? false;
    this.#allowed =
      typeof exception === 'function'
        ? (address) => isPublicAddress(address) || exception(address)
        : (address) => exception || isPublicAddress(address);
    this.#agent = new Agent({ connect: { lookup: guardedLookup(this.#allowed) }, connections: 16 });
  }

  readonly fetch: MediaFetcher = async (url, signal, budget) => {
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(this.#options.timeoutMs)]);
    let current = this.#checkUrl(url);
    for (let hop = 0; hop <= this.#options.maxRedirects; hop++) {
      const response = await this.#agent
        .request({
          origin: current.origin,
          path: current.pathname + current.search,
          method: 'GET',
          signal: deadline,
        })
        .catch((error: unknown) => {
          if (isRefusal(error))
            throw new MediaFetchError('media URL points to a non-public address', { cause: error });
          throw new MediaFetchError('media URL could not be fetched', { cause: error });
        });
      const location = response.headers.location;
      if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
        await response.body.dump();
        current = this.#checkUrl(new URL(location, current).href);
        continue;
      }
      if (response.statusCode !== 200) {
        await response.body.dump();
        throw new MediaFetchError(`media URL answered HTTP ${response.statusCode}`);
      }
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > this.#options.maxBytes) {
        response.body.destroy();
        throw new MediaFetchError(`media larger than ${this.#options.maxBytes} bytes`);
      }
      const mimeType = mediaTypeOf(response.headers['content-type'], current.pathname);
      // A declared length past the budget is refused before a byte is read.
      if (budget && Number.isFinite(declared)) {
        try {
          this.#withinBudget(() => budget.charge(mediaKindOf(mimeType), 0, declared));
        } catch (error) {
          response.body.destroy();
          throw error;
        }
      }
      return { mimeType, data: await this.#readCapped(response.body, budget, mimeType) };
    }
    throw new MediaFetchError('media URL redirects too many times');
  };

  #checkUrl(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new MediaFetchError('media URL is not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new MediaFetchError('media URL must be http(s)');
    if (url.username || url.password) throw new MediaFetchError('media URL must not carry credentials');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0 && !this.#allowed(host)) {
      throw new MediaFetchError('media URL points to a non-public address');
    }
    return url;
  }

  #withinBudget(check: () => void): void {
    try {
      check();
    } catch (error) {
      if (error instanceof MediaLimitError) throw new MediaFetchError(error.message, { cause: error });
      throw error;
    }
  }

  async #readCapped(
    body: AsyncIterable<Buffer> & { destroy(): void },
    budget: MediaBudget | undefined,
    mimeType: string,
  ): Promise<Buffer> {
    const chunks: Buffer[] = [];
    const kind = mediaKindOf(mimeType);
    let size = 0;
    try {
      for await (const chunk of body) {
        size += chunk.length;
        if (size > this.#options.maxBytes)
          throw new MediaFetchError(`media larger than ${this.#options.maxBytes} bytes`);
        if (budget) this.#withinBudget(() => budget.charge(kind, chunk.length, size));
        chunks.push(chunk);
      }
    } catch (error) {
      body.destroy();
      if (error instanceof MediaFetchError) throw error;
      throw new MediaFetchError('media download failed', { cause: error });
    }
    return Buffer.concat(chunks);
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

const EXTENSION_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  pdf: 'application/pdf',
  mp3: 'audio/mp3',
  wav: 'audio/wav',
  mp4: 'video/mp4',
};

export function mimeTypeFromPath(pathname: string): string | undefined {
  const extension = /\.([a-z0-9]+)$/i.exec(pathname)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : EXTENSION_TYPES[extension];
}

function mediaTypeOf(header: string | string[] | undefined, pathname: string): string {
  const declared = (Array.isArray(header) ? header[0] : header)?.split(';')[0]?.trim().toLowerCase();
  const mimeType =
    declared && declared !== 'application/octet-stream' ? declared : mimeTypeFromPath(pathname);
  if (mimeType === undefined || !MEDIA_TYPE.test(mimeType)) {
    throw new MediaFetchError(`media URL has an unsupported content type ${declared ?? '(none)'}`);
  }
  return mimeType;
}
