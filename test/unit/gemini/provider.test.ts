/**
 * `GeminiProvider` over HTTP: the URL, the key only in `x-goog-api-key`, bodies that are not what they
 * claim, and the thought-signature round trip through the official `openai` SDK (which keeps only a
 * tool call's id, type and function).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionRequest } from '../../../src/openai/request.ts';
import { toUsage, type ChatCompletion } from '../../../src/openai/response.ts';
import { GeminiProvider, modelPath } from '../../../src/providers/gemini/gemini-provider.ts';
import type { GeminiRequest } from '../../../src/providers/gemini/gemini-types.ts';
import { UpstreamError } from '../../../src/providers/shared/upstream-error.ts';
import { collect, providerInput, startUpstream, type Reply } from './helpers.ts';

const KEY = 'AIzaTestKey-do-not-leak-0123456789';
const OK_TEXT = JSON.stringify({
  candidates: [{ content: { role: 'model', parts: [{ text: 'hi' }] }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1, totalTokenCount: 4 },
  responseId: 'resp-1',
});

function json(body: string, status = 200): Reply {
  return { status, chunks: [Buffer.from(body)] };
}

describe('transport', () => {
  test('generateContent: path, x-goog-api-key header, no key in the URL, JSON body', async () => {
    const upstream = await startUpstream(() => json(OK_TEXT));
    const provider = new GeminiProvider({ name: 'google', baseUrl: upstream.baseUrl, apiKey: KEY });
    try {
      const result = await provider.complete(providerInput({ temperature: 0.2 }));
      assert.equal(result.choices[0]?.message.content, 'hi');
      assert.equal(result.upstreamId, 'resp-1');
      const sent = upstream.requests[0];
      assert.equal(sent?.method, 'POST');
      assert.equal(sent?.url, '/v1beta/models/gemini-2.5-flash:generateContent');
      assert.equal(sent?.headers['x-goog-api-key'], KEY);
      assert.equal(sent?.headers['content-type'], 'application/json');
      assert.equal(sent?.headers.authorization, undefined);
      assert.doesNotMatch(sent?.url ?? '', /key=|AIza/);
      assert.deepEqual(JSON.parse(sent?.body ?? ''), {
        contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
        generationConfig: { temperature: 0.2 },
      });
    } finally {
      await provider.close();
      await upstream.close();
    }
  });

  test('the pipeline headers are forwarded; none of them can replace the key', async () => {
    const upstream = await startUpstream(() => json(OK_TEXT));
    const provider = new GeminiProvider({ name: 'google', baseUrl: upstream.baseUrl, apiKey: KEY });
    try {
      await provider.complete({
        ...providerInput({}),
        headers: { 'X-Portico-Attempt': '2', 'x-goog-api-key': 'other', Authorization: 'Bearer x' },
      });
      const headers = upstream.requests[0]?.headers ?? {};
      assert.equal(headers['x-portico-attempt'], '2');
      assert.equal(headers['x-portico-request-id'], 'req_test');
      assert.equal(headers['x-goog-api-key'], KEY);
      assert.equal(headers.authorization, undefined);
    } finally {
      await provider.close();
      await upstream.close();
    }
  });

  test('streamGenerateContent?alt=sse, and ids with a slash are used as they are', async () => {
    const sse = `data: ${OK_TEXT}\r\n\r\n`;
    const upstream = await startUpstream(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      chunks: [Buffer.from(sse)],
    }));
    const provider = new GeminiProvider({ name: 'google', baseUrl: upstream.baseUrl, apiKey: KEY });
    try {
      const events = await collect(
        await provider.stream(providerInput({ stream: true }, { model: 'tunedModels/my-tune' })),
      );
      assert.equal(events.length, 2);
      assert.equal(upstream.requests[0]?.url, '/v1beta/tunedModels/my-tune:streamGenerateContent?alt=sse');
      assert.equal(upstream.requests[0]?.headers['x-goog-api-key'], KEY);
      assert.equal(modelPath('gemini-3-flash'), 'models/gemini-3-flash');
      assert.equal(modelPath('models/gemini-3-flash'), 'models/gemini-3-flash');
      assert.equal(modelPath('gemini?x=1'), 'models/gemini%3Fx%3D1');
    } finally {
      await provider.close();
      await upstream.close();
    }
  });

  for (const [label, body, kind] of [
    ['a JSON array', '[1,2]', 'protocol'],
    ['malformed JSON', '{"candidates": [', 'protocol'],
    ['a cut body', '{"candidates": [{"content": {"parts": [{"text": "hal', 'protocol'],
  ] as const) {
    test(`a 200 with ${label} is an UpstreamError of kind ${kind}`, async () => {
      const upstream = await startUpstream(() => json(body));
      const provider = new GeminiProvider({ name: 'google', baseUrl: upstream.baseUrl, apiKey: KEY });
      try {
        await assert.rejects(provider.complete(providerInput({})), (error: unknown) => {
          return error instanceof UpstreamError && error.kind === kind && error.clientError.status === 502;
        });
      } finally {
        await provider.close();
        await upstream.close();
      }
    });
  }

  test('a 200 carrying an error object is mapped from its code', async () => {
    const upstream = await startUpstream(() =>
      json(JSON.stringify({ error: { code: 503, status: 'UNAVAILABLE', message: 'x' } })),
    );
    const provider = new GeminiProvider({ name: 'google', baseUrl: upstream.baseUrl, apiKey: KEY });
    try {
      await assert.rejects(provider.complete(providerInput({})), (error: unknown) => {
        return error instanceof UpstreamError && error.clientError.code === 'upstream_unavailable';
      });
    } finally {
      await provider.close();
      await upstream.close();
    }
  });
});

describe('thought signature round trip through the openai SDK', () => {
  test('the signature in the tool-call id comes back on the replayed functionCall', async () => {
    const signature = Buffer.alloc(420, 7).toString('base64');
    let turn = 0;
    const upstream = await startUpstream(() => {
      turn++;
      if (turn === 1) {
        return json(
          JSON.stringify({
            candidates: [
              {
                content: {
                  role: 'model',
                  parts: [
                    {
                      functionCall: { name: 'get_capital', args: { country: 'France' } },
                      thoughtSignature: signature,
                    },
                    { functionCall: { name: 'get_capital', args: { country: 'Italy' } } },
                  ],
                },
                finishReason: 'STOP',
              },
            ],
          }),
        );
      }
      return json(OK_TEXT);
    });
    const provider = new GeminiProvider({ name: 'google', baseUrl: upstream.baseUrl, apiKey: KEY });
    const traits = { thinking: 'level', thinkingLevels: ['minimal', 'low', 'medium', 'high'] } as const;
    // A minimal stand-in for the HTTP layer: body in, provider, ChatCompletion out.
    const gateway = createServer((incoming, outgoing) => {
      const parts: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => parts.push(chunk));
      incoming.on('end', async () => {
        const request = JSON.parse(Buffer.concat(parts).toString('utf8')) as ChatCompletionRequest;
        const result = await provider.complete(providerInput(request, { model: 'gemini-3-flash', traits }));
        const completion: ChatCompletion = {
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: 1,
          model: request.model,
          choices: result.choices,
          usage: toUsage(result.counts),
        };
        outgoing.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion));
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const client = new OpenAI({
      baseURL: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/v1`,
      apiKey: 'client-key',
      maxRetries: 0,
    });
    try {
      const tools: OpenAI.ChatCompletionTool[] = [
        {
          type: 'function',
          function: { name: 'get_capital', parameters: { type: 'object', properties: {} } },
        },
      ];
      const question: OpenAI.ChatCompletionMessageParam = {
        role: 'user',
        content: 'Capitals of France and Italy?',
      };
      const first = await client.chat.completions.create({
        model: 'gemini-3-flash',
        messages: [question],
        tools,
      });
      const message = first.choices[0]?.message;
      assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
      const calls = (message?.tool_calls ?? []).filter((call) => call.type === 'function');
      assert.equal(calls.length, 2);
      assert.ok(message);
      await client.chat.completions.create({
        model: 'gemini-3-flash',
        tools,
        messages: [
          question,
          message,
          { role: 'tool', tool_call_id: calls[0]?.id ?? '', content: 'Paris' },
          { role: 'tool', tool_call_id: calls[1]?.id ?? '', content: 'Rome' },
        ],
      });
      const replayed = JSON.parse(upstream.requests[1]?.body ?? '{}') as GeminiRequest;
      assert.deepEqual(replayed.contents.slice(1), [
        {
          role: 'model',
          parts: [
            {
              functionCall: { name: 'get_capital', args: { country: 'France' } },
              thoughtSignature: signature,
            },
            // Gemini signs the first call of a step only; the second goes back unsigned, as it came.
            { functionCall: { name: 'get_capital', args: { country: 'Italy' } } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'get_capital', response: { content: 'Paris' } } },
            { functionResponse: { name: 'get_capital', response: { content: 'Rome' } } },
          ],
        },
      ]);
    } finally {
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
      await provider.close();
      await upstream.close();
    }
  });
});
