/**
 * The SSRF guard of the media downloader, against real servers on loopback: refused by default
 * (loopback is exactly what must be refused), reachable only with the test-only allowance.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  GuardedFetcher,
  MediaFetchError,
  isPublicAddress,
} from '../../../src/providers/gemini/guarded-fetch.ts';
import { GeminiProvider } from '../../../src/providers/gemini/gemini-provider.ts';
import { UpstreamError } from '../../../src/providers/shared/upstream-error.ts';
import { providerInput, startUpstream } from './helpers.ts';

const PNG = Buffer.from('89504e470d0a1a0a', 'hex');

describe('isPublicAddress', () => {
  const refused = [
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:8.8.8.8',
    '::ffff:7f00:1',
    '64:ff9b::7f00:1',
    'not-an-ip',
  ];
  const allowed = [
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '142.250.72.14',
    '2607:f8b0:4005:80c::200e',
    '2001:4860:4860::8888',
  ];
  for (const address of refused)
    test(`refuses ${address}`, () => assert.equal(isPublicAddress(address), false));
  for (const address of allowed)
    test(`allows ${address}`, () => assert.equal(isPublicAddress(address), true));
});

describe('GuardedFetcher against loopback servers', () => {
  let server: Server;
  let origin = '';
  before(async () => {
    server = createServer((request, response) => {
      switch (request.url) {
        case '/cat.png':
          response.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
          break;
        case '/untyped.jpg':
          response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(PNG);
          break;
        case '/page':
          response.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
          break;
        case '/big':
          response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(2048));
          break;
        case '/redirect-loop':
          response.writeHead(302, { location: '/redirect-loop' }).end();
          break;
        case '/to-metadata':
          response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
          break;
        case '/to-cat':
          response.writeHead(301, { location: '/cat.png' }).end();
          break;
        default:
          response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const refusedWith = (pattern: RegExp) => (error: unknown) =>
    error instanceof MediaFetchError && pattern.test(error.message);

  test('the default fetcher refuses loopback by IP literal and by name', async () => {
    const fetcher = new GuardedFetcher();
    try {
      const signal = new AbortController().signal;
      await assert.rejects(fetcher.fetch(`${origin}/cat.png`, signal), refusedWith(/non-public/));
      const port = (server.address() as AddressInfo).port;
      // A name is checked at connect time, on the address it resolved to.
      await assert.rejects(
        fetcher.fetch(`http://localhost:${port}/cat.png`, signal),
        refusedWith(/non-public/),
      );
      await assert.rejects(fetcher.fetch(`http://[::1]:${port}/cat.png`, signal), refusedWith(/non-public/));
      await assert.rejects(fetcher.fetch('http://169.254.169.254/latest', signal), refusedWith(/non-public/));
      await assert.rejects(fetcher.fetch('ftp://example.com/x.png', signal), refusedWith(/http/));
      await assert.rejects(
        fetcher.fetch('http://user:pw@example.com/x.png', signal),
        refusedWith(/credentials/),
      );
    } finally {
      await fetcher.close();
    }
  });

  test('with the test-only allowance: fetched, typed, capped, redirects bounded and re-checked', async () => {
    const fetcher = new GuardedFetcher({ allowPrivateAddresses: true, maxBytes: 1024, maxRedirects: 2 });
    try {
      const signal = new AbortController().signal;
      assert.deepEqual(await fetcher.fetch(`${origin}/cat.png`, signal), {
        mimeType: 'image/png',
        data: PNG,
      });
      assert.deepEqual(await fetcher.fetch(`${origin}/untyped.jpg`, signal), {
        mimeType: 'image/jpeg',
        data: PNG,
      });
      assert.deepEqual(await fetcher.fetch(`${origin}/to-cat`, signal), { mimeType: 'image/png', data: PNG });
      await assert.rejects(fetcher.fetch(`${origin}/page`, signal), refusedWith(/content type/));
      await assert.rejects(fetcher.fetch(`${origin}/big`, signal), refusedWith(/larger than 1024/));
      await assert.rejects(fetcher.fetch(`${origin}/redirect-loop`, signal), refusedWith(/redirects/));
      await assert.rejects(fetcher.fetch(`${origin}/missing.png`, signal), refusedWith(/HTTP 404/));
    } finally {
      await fetcher.close();
    }
  });

  test('a redirect to a non-public address is refused even when the first hop was allowed', async () => {
    // Loopback is allowed here, so only the per-hop check can refuse the metadata address.
    const fetcher = new GuardedFetcher({ allowPrivateAddresses: (address) => address === '127.0.0.1' });
    try {
      const signal = new AbortController().signal;
      assert.deepEqual(await fetcher.fetch(`${origin}/to-cat`, signal), { mimeType: 'image/png', data: PNG });
      await assert.rejects(fetcher.fetch(`${origin}/to-metadata`, signal), refusedWith(/non-public/));
      const port = (server.address() as AddressInfo).port;
      // The exception is exactly what the policy says: ::1 is still refused.
      await assert.rejects(fetcher.fetch(`http://[::1]:${port}/cat.png`, signal), refusedWith(/non-public/));
    } finally {
      await fetcher.close();
    }
  });

  test('through the provider: a loopback image URL is a 400 on messages and nothing is sent upstream', async () => {
    const upstream = await startUpstream(() => ({ status: 200, chunks: [Buffer.from('{}')] }));
    const provider = new GeminiProvider({ name: 'google', baseUrl: upstream.baseUrl, apiKey: 'k' });
    try {
      const input = providerInput({
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: `${origin}/cat.png` } }] },
        ],
      });
      await assert.rejects(provider.complete(input), (error: unknown) => {
        assert.ok(error instanceof UpstreamError);
        assert.equal(error.clientError.status, 400);
        assert.equal(error.clientError.param, 'messages');
        return true;
      });
      assert.equal(upstream.requests.length, 0);
    } finally {
      await provider.close();
      await upstream.close();
    }
  });

  test('through the provider with the allowance: the image is inlined', async () => {
    const upstream = await startUpstream(() => ({
      status: 200,
      chunks: [
        Buffer.from(
          JSON.stringify({ candidates: [{ content: { parts: [{ text: 'a cat' }] }, finishReason: 'STOP' }] }),
        ),
      ],
    }));
    const provider = new GeminiProvider({
      name: 'google',
      baseUrl: upstream.baseUrl,
      apiKey: 'k',
      mediaFetch: { allowPrivateAddresses: true },
    });
    try {
      const input = providerInput({
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: `${origin}/cat.png` } }] },
        ],
      });
      const result = await provider.complete(input);
      assert.equal(result.choices[0]?.message.content, 'a cat');
      const sent = JSON.parse(upstream.requests[0]?.body ?? '{}') as { contents: unknown };
      assert.deepEqual(sent.contents, [
        { role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: PNG.toString('base64') } }] },
      ]);
    } finally {
      await provider.close();
      await upstream.close();
    }
  });
});
