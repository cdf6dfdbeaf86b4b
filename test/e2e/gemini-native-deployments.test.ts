/**
 * The Gemini-native door against other deployments than AI Studio: passthrough to Vertex AI (the
 * publisher path, the operator's labels), and a fallback from a failing Gemini deployment to an
 * OpenAI-compatible one, answered from the canonical form.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway } from '../helpers/gateway.ts';

describe('passthrough to Vertex AI', () => {
  test("the client's body goes to the Vertex path with the operator's labels and the held cap", async () => {
    const vertex = await startGateway({
      providers: {
        express: {
          type: 'vertex',
          base_url: 'SIMULATOR',
          api_key: 'express-key-1',
          labels: { team: 'core' },
        },
      },
      models: {
        'vertex-flash': {
          deployments: [{ provider: 'express', model: 'gemini-2.5-flash' }],
          pricing: { input: 1, output: 2 },
          max_output_tokens: 1000,
        },
      },
    });
    try {
      const account = await vertex.account(5);
      const body = {
        contents: [{ role: 'user', parts: [{ text: 'hello vertex' }] }],
        safetySettings: [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_NONE' }],
      };
      for (const method of ['generateContent', 'streamGenerateContent?alt=sse']) {
        const response = await fetch(`${vertex.url}/v1beta/models/vertex-flash:${method}`, {
          method: 'POST',
          headers: { 'x-goog-api-key': account.key, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        assert.equal(response.status, 200, await response.clone().text());
        assert.match(await response.text(), /usageMetadata/);
        const attempt = vertex.simulator.attempts.at(-1);
        assert.match(attempt?.path ?? '', /publishers\/google\/models\/gemini-2\.5-flash:/);
        assert.deepEqual(attempt?.body, {
          ...body,
          generationConfig: { maxOutputTokens: 1000 },
          labels: { team: 'core' },
        });
      }
      const rows = (await vertex.admin('GET', `/admin/usage?account_id=${account.accountId}`)).body.data;
      assert.deepEqual(
        rows.map((row: { door: string; model: string }) => [row.door, row.model]),
        [
          ['gemini-native', 'vertex-flash'],
          ['gemini-native', 'vertex-flash'],
        ],
      );
    } finally {
      await vertex.close();
    }
  });
});

describe('a fallback from a Gemini deployment to an OpenAI-compatible one', () => {
  test('the answer is translated from the canonical form, JSON and SSE; every attempt has a row', async () => {
    const fallback = await startGateway({
      providers: {
        google: { type: 'gemini', base_url: 'SIMULATOR', api_key: 'gemini-key-down' },
        local: { type: 'openai', base_url: 'SIMULATOR', api_key: 'openai-key-up' },
      },
      models: {
        'gemini-3.5-flash': {
          deployments: [{ provider: 'google', model: 'gemini-3.5-flash' }],
          pricing: { input: 0.3, output: 2.5 },
          fallbacks: ['sim-openai'],
        },
        'sim-openai': {
          deployments: [{ provider: 'local', model: 'sim-openai-upstream' }],
          pricing: { input: 1, output: 2 },
        },
      },
    });
    try {
      fallback.simulator.setKeyFault('gemini-key-down', 'status=503');
      const account = await fallback.account(5);
      const body = { contents: [{ role: 'user', parts: [{ text: 'fall back please' }] }] };
      const json = await fetch(`${fallback.url}/v1beta/models/gemini-3.5-flash:generateContent`, {
        method: 'POST',
        headers: { 'x-goog-api-key': account.key, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(json.status, 200);
      assert.equal(json.headers.get('x-portico-fallback-model'), 'sim-openai');
      const answer = (await json.json()) as Record<string, any>;
      assert.equal(answer.modelVersion, 'sim-openai');
      assert.equal(answer.candidates[0].finishReason, 'STOP');
      assert.ok(answer.candidates[0].content.parts[0].text.length > 0);

      const sse = await fetch(
        `${fallback.url}/v1beta/models/gemini-3.5-flash:streamGenerateContent?alt=sse`,
        {
          method: 'POST',
          headers: { 'x-goog-api-key': account.key, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
      );
      assert.equal(sse.status, 200);
      const chunks = (await sse.text())
        .split('\r\n\r\n')
        .filter((frame) => frame.startsWith('data: '))
        .map((frame) => JSON.parse(frame.slice(6)) as Record<string, any>);
      const last = chunks.at(-1);
      assert.equal(last?.candidates[0].finishReason, 'STOP');
      assert.ok(last?.usageMetadata.totalTokenCount > 0);

      const rows = (await fallback.admin('GET', `/admin/usage?account_id=${account.accountId}`)).body.data;
      assert.ok(rows.every((row: { door: string }) => row.door === 'gemini-native'));
      const served = rows.filter((row: { terminal_state: string }) => row.terminal_state === 'ok');
      assert.deepEqual(
        served.map((row: { model: string }) => row.model),
        ['sim-openai', 'sim-openai'],
      );
      const failed = rows.filter((row: { terminal_state: string }) => row.terminal_state !== 'ok');
      assert.ok(failed.length >= 2 && failed.every((row: { cost_micros: number }) => row.cost_micros === 0));
      assert.equal(served[0].total_tokens, last?.usageMetadata.totalTokenCount, 'the stream (newest row)');
    } finally {
      await fallback.close();
    }
  });
});
