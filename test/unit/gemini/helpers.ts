/**
 * Shared by the Gemini provider tests: the recorded fixtures (test/fixtures/gemini), a real upstream
 * double on 127.0.0.1 port 0, and a `ProviderRequest` builder.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatCompletionRequest } from '../../../src/openai/request.ts';
import { geminiFixtureBytes } from '../../helpers/fixtures.ts';
import type { ModelTraits, ProviderRequest, StreamEvent } from '../../../src/providers/provider.ts';

export { geminiFixtureBytes as fixtureBytes } from '../../helpers/fixtures.ts';

export function fixtureJson(name: string): unknown {
  return JSON.parse(geminiFixtureBytes(name).toString('utf8'));
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Written piece by piece, each piece flushed before the next. */
  chunks: Buffer[];
}

export interface UpstreamDouble {
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startUpstream(reply: (request: RecordedRequest) => Reply): Promise<UpstreamDouble> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    const parts: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => parts.push(chunk));
    incoming.on('end', async () => {
      const recorded = {
        method: incoming.method ?? '',
        url: incoming.url ?? '',
        headers: incoming.headers,
        body: Buffer.concat(parts).toString('utf8'),
      };
      requests.push(recorded);
      const answer = reply(recorded);
      outgoing.writeHead(answer.status, answer.headers ?? { 'content-type': 'application/json' });
      for (const chunk of answer.chunks) {
        await new Promise<void>((resolve) => outgoing.write(chunk, () => resolve()));
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      outgoing.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1beta`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function providerInput(
  request: Partial<ChatCompletionRequest>,
  options: { model?: string; traits?: ModelTraits; maxOutputTokens?: number } = {},
): ProviderRequest {
  return {
    request: { model: 'm', messages: [{ role: 'user', content: 'Hi' }], ...request },
    upstreamModel: options.model ?? 'gemini-2.5-flash',
    traits: options.traits ?? {},
    maxOutputTokens: options.maxOutputTokens,
    signal: new AbortController().signal,
    requestId: 'req_test',
  };
}

export async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/** Tool-call ids are random; as JSON text with each id's random part replaced, event lists compare. */
export function stableJson(events: StreamEvent[]): string {
  return JSON.stringify(events).replace(
    /"id":"call_[0-9A-Za-z]{24}((?:_t[su]_[A-Za-z0-9_-]+)?)"/g,
    '"id":"call_X$1"',
  );
}
