/**
 * Issue 17, High 3 and Medium 5: media budgets per request (count, per-type caps, total) enforced while
 * downloads stream in, refused with a 400 naming the limit; no client URL reaches an OpenAI-compatible
 * upstream unguarded (non-public addresses and non-http schemes refused, http(s) fetched through the
 * guard and inlined); the address blocklist's added ranges.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_HARDENING, type MediaLimits } from '../../src/config/hardening.ts';
import { GeminiProvider } from '../../src/providers/gemini/gemini-provider.ts';
import { OpenAICompatibleProvider } from '../../src/providers/openai-compatible/openai-compatible-provider.ts';
import type { ProviderRequest } from '../../src/providers/provider.ts';
import { isPublicAddress } from '../../src/providers/shared/guarded-fetch.ts';
import { UpstreamError } from '../../src/providers/shared/upstream-error.ts';
import type { ChatCompletionRequest } from '../../src/openai/request.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { postRaw } from '../helpers/raw-http.ts';

const KB = 1024;

/** A media server on loopback: streams `size` bytes of image/png in 16 KiB chunks, no Content-Length. */
interface MediaServer {
  url: string;
  requests: number;
  /** Bytes written to each response before it ended or was cut. */
  written: number[];
  close(): Promise<void>;
}

async function startMediaServer(size: number): Promise<MediaServer> {
  const state = { requests: 0, written: [] as number[] };
  const server: Server = createServer((request, response) => {
    state.requests++;
    const slot = state.written.push(0) - 1;
    response.writeHead(200, { 'content-type': 'image/png' });
    const chunk = Buffer.alloc(16 * KB, 7);
    const timer = setInterval(() => {
      if (response.destroyed || (state.written[slot] ?? 0) >= size) {
        clearInterval(timer);
        response.end();
        return;
      }
      response.write(chunk);
      state.written[slot] = (state.written[slot] ?? 0) + chunk.length;
    }, 2);
    request.socket.once('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get written() {
      return state.written;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let gateway: Gateway;
let key: string;
let attacker: MediaServer;

before(async () => {
  gateway = await startGateway({ server: { media: { max_parts: 2, max_image_mb: 0.01 } } });
  ({ key } = await gateway.account(10));
  attacker = await startMediaServer(64 * KB);
});
after(async () => {
  await gateway.close();
  await attacker.close();
});

function chatWith(parts: unknown[]): string {
  return JSON.stringify({ model: 'sim-openai', messages: [{ role: 'user', content: parts }] });
}

const image = (url: string) => ({ type: 'image_url', image_url: { url } });

async function expect400(parts: unknown[], pattern: RegExp, param?: string): Promise<void> {
  const response = await postRaw(gateway.url, '/v1/chat/completions', chatWith(parts), {
    authorization: `Bearer ${key}`,
  });
  assert.equal(response.status, 400, response.text);
  const error = JSON.parse(response.text).error;
  assert.equal(error.type, 'invalid_request_error');
  assert.match(error.message, pattern);
  if (param) assert.equal(error.param, param);
}

test('OpenAI-compatible path: internal and non-http media URLs are refused, the upstream never sees them', async () => {
  await expect400(
    [image(`${attacker.url}/cat.png`)],
    /non-public address/,
    'messages[0].content[0].image_url.url',
  );
  await expect400([image('http://169.254.169.254/latest/meta-data/')], /non-public address/);
  await expect400([image('http://[::ffff:7f00:1]/x.png')], /non-public address/);
  await expect400(
    [image('file:///etc/passwd')],
    /data:, http: and https:/,
    'messages[0].content[0].image_url.url',
  );
  await expect400([image('gopher://127.0.0.1:70/')], /data:, http: and https:/);
  await expect400(
    [{ type: 'file', file: { file_data: 'file:///etc/passwd', filename: 'p' } }],
    /must be inline/,
    'messages[0].content[0].file.file_data',
  );
  assert.equal(attacker.requests, 0);
  const tiny = `data:image/png;base64,${Buffer.alloc(16, 1).toString('base64')}`;
  const ok = await postRaw(gateway.url, '/v1/chat/completions', chatWith([image(tiny)]), {
    authorization: `Bearer ${key}`,
  });
  assert.equal(ok.status, 200, ok.text);
});

test('media limits from server.media: too many parts, an inline image over its cap, each a 400 naming it', async () => {
  const tiny = `data:image/png;base64,${Buffer.alloc(16, 1).toString('base64')}`;
  await expect400(
    [image(tiny), image(tiny), image(tiny)],
    /server\.media\.max_parts/,
    'messages[0].content[2]',
  );
  const big = `data:image/png;base64,${Buffer.alloc(20 * KB, 1).toString('base64')}`;
  await expect400([image(big)], /server\.media\.max_image_mb/, 'messages[0].content[0]');
});

const LIMITS: MediaLimits = {
  maxParts: 10,
  maxTotalBytes: 1024 * KB,
  maxBytesByKind: { ...DEFAULT_HARDENING.media.maxBytesByKind, image: 600 * KB },
};

function input(parts: unknown[]): ProviderRequest {
  return {
    request: { model: 'm', messages: [{ role: 'user', content: parts }] } as ChatCompletionRequest,
    upstreamModel: 'sim-openai-upstream',
    traits: {},
    maxOutputTokens: 16,
    signal: new AbortController().signal,
    requestId: 'req_media',
  };
}

async function refusal(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UpstreamError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

for (const kind of ['openai', 'gemini'] as const) {
  test(`${kind} provider: a download is cut when it crosses the per-type cap or the request's total`, async () => {
    const media = await startMediaServer(2048 * KB);
    const provider =
      kind === 'openai'
        ? new OpenAICompatibleProvider({
            name: 'local',
            baseUrl: `${gateway.simulator.url}/v1`,
            media: LIMITS,
            mediaFetch: { allowPrivateAddresses: true },
          })
        : new GeminiProvider({
            name: 'google',
            baseUrl: `${gateway.simulator.url}/v1beta`,
            apiKey: 'k',
            media: LIMITS,
            mediaFetch: { allowPrivateAddresses: true },
          });
    try {
      // One 2 MB image against a 600 KB image cap: refused while streaming, long before its end.
      const single = await refusal(provider.complete(input([image(`${media.url}/a.png`)])));
      assert.equal(single.clientError.status, 400);
      assert.match(single.clientError.message, /server\.media\.max_image_mb/);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok((media.written[0] ?? 0) < 1200 * KB, `the server wrote ${media.written[0]} bytes`);
      // 500 KB inline plus a download: the total (1 MB) is crossed during the download.
      const inline = `data:image/png;base64,${Buffer.alloc(500 * KB, 1).toString('base64')}`;
      const total = await refusal(provider.complete(input([image(inline), image(`${media.url}/b.png`)])));
      assert.match(total.clientError.message, /server\.media\.max_total_mb/);
    } finally {
      await provider.close();
      await media.close();
    }
  });
}

test('the address blocklist covers local NAT64, IPv4-translated, Teredo and the 6to4 relay', () => {
  for (const address of ['64:ff9b:1::a9fe:a9fe', '::ffff:0:7f00:1', '2001:0:4136:e378::1', '192.88.99.1']) {
    assert.equal(isPublicAddress(address), false, address);
  }
  for (const address of ['8.8.8.8', '2607:f8b0::1', '2001:4860::8888']) {
    assert.equal(isPublicAddress(address), true, address);
  }
});
