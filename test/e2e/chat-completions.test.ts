/**
 * The whole gateway on port 0, the simulator upstream, and the official `openai` SDK as the client.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { seedValidators } from '../helpers/fixtures.ts';

let gateway: Gateway;
let client: OpenAI;
let key: string;
const validators = seedValidators();

function sdk(apiKey: string): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

before(async () => {
  gateway = await startGateway();
  ({ key } = await gateway.account(10));
  client = sdk(key);
});
after(async () => gateway.close());

describe('non-streaming', () => {
  for (const model of ['gemini-3.5-flash', 'sim-openai']) {
    test(`${model}: the seed's response shape, usage always present`, async () => {
      const { data, response } = await client.chat.completions
        .create({ model, messages: [{ role: 'user', content: 'Hello, introduce yourself' }] })
        .withResponse();
      assert.match(data.id, /^chatcmpl-/);
      assert.equal(data.object, 'chat.completion');
      assert.equal(data.model, model);
      assert.equal(typeof data.created, 'number');
      assert.equal(data.choices.length, 1);
      assert.equal(data.choices[0]?.message.role, 'assistant');
      assert.ok((data.choices[0]?.message.content ?? '').length > 0);
      assert.equal(data.choices[0]?.finish_reason, 'stop');
      const usage = data.usage as any;
      assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0);
      assert.equal(
        usage.total_tokens >=
          usage.prompt_tokens + usage.completion_tokens - usage.completion_tokens_details.reasoning_tokens,
        true,
      );
      for (const field of ['cached_tokens', 'text_tokens', 'audio_tokens', 'image_tokens']) {
        assert.equal(typeof usage.prompt_tokens_details[field], 'number', field);
      }
      for (const field of ['text_tokens', 'audio_tokens', 'reasoning_tokens']) {
        assert.equal(typeof usage.completion_tokens_details[field], 'number', field);
      }
      assert.equal(usage.input_tokens, usage.prompt_tokens);
      assert.equal(usage.output_tokens, usage.completion_tokens);
      assert.ok('input_tokens_details' in usage);
      assert.ok(response.headers.get('x-request-id'));
      assert.ok(Number(response.headers.get('x-portico-cost')) > 0);
      assert.equal(validators.response(data), undefined);
    });
  }

  test('ids are unique and time-ordered', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      ids.push(
        (
          await client.chat.completions.create({
            model: 'sim-openai',
            messages: [{ role: 'user', content: `n${index}` }],
          })
        ).id,
      );
    }
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), ids);
  });
});

describe('streaming', () => {
  for (const model of ['gemini-3.5-flash', 'sim-openai']) {
    test(`${model}: chunks, a usage chunk with include_usage, then [DONE]`, async () => {
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Count to ten' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let finish: string | null = null;
      let usage: any;
      let chunks = 0;
      let first = true;
      for await (const chunk of stream) {
        chunks++;
        assert.equal(chunk.object, 'chat.completion.chunk');
        assert.equal(chunk.model, model);
        if (chunk.choices.length === 0) {
          usage = chunk.usage;
          continue;
        }
        assert.equal(chunk.usage, null);
        if (first) assert.equal(chunk.choices[0]?.delta.role, 'assistant');
        first = false;
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      assert.ok(chunks >= 3);
      assert.ok(text.length > 0);
      assert.equal(finish, 'stop');
      assert.ok(usage, 'usage chunk');
      assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0);
      assert.equal(usage.input_tokens, usage.prompt_tokens);
      assert.ok(usage.cost > 0);
    });
  }

  test('the raw stream ends with data: [DONE] and is text/event-stream', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gemini-3.5-flash',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      }),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const body = await response.text();
    assert.ok(body.endsWith('data: [DONE]\n\n'));
    for (const event of body.split('\n\n').filter(Boolean)) assert.match(event, /^data: /);
  });
});

describe('tools', () => {
  const tools = [
    {
      type: 'function' as const,
      function: {
        name: 'get_weather',
        description: 'Weather for a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    },
  ];
  for (const model of ['gemini-3.5-flash', 'sim-openai']) {
    test(`${model}: tool calls come back and a tool result continues the conversation`, async () => {
      const first = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
        tools,
      });
      const message = first.choices[0]?.message;
      assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
      const call = message?.tool_calls?.[0];
      assert.ok(call && call.type === 'function');
      assert.equal(call.function.name, 'get_weather');
      assert.doesNotThrow(() => JSON.parse(call.function.arguments));
      const second = await client.chat.completions.create({
        model,
        messages: [
          { role: 'user', content: 'What is the weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: message?.tool_calls },
          { role: 'tool', tool_call_id: call.id, content: '{"temperature": 21}' },
        ],
        tools,
      });
      assert.equal(second.choices[0]?.finish_reason, 'stop');
      assert.ok((second.choices[0]?.message.content ?? '').length > 0);
    });
  }
});

describe('errors surface as the SDK error classes with the seed body', () => {
  async function expectError(
    promise: Promise<unknown>,
    errorClass: new (...args: any[]) => Error,
    status: number,
    type: string,
  ) {
    await assert.rejects(promise, (error: any) => {
      assert.equal(
        error instanceof errorClass,
        true,
        `${error?.constructor?.name} is not ${errorClass.name}`,
      );
      assert.equal(error.status, status);
      assert.equal(error.error?.type ?? error.type, type);
      assert.equal(validators.error({ error: error.error }), undefined);
      return true;
    });
  }

  test('401 for an unknown key', async () => {
    await expectError(
      sdk('sk-port-unknown').chat.completions.create({
        model: 'sim-openai',
        messages: [{ role: 'user', content: 'x' }],
      }),
      OpenAI.AuthenticationError,
      401,
      'authentication_error',
    );
  });

  test('403 for a model outside the allow-list, 404 with a suggestion for an unknown model', async () => {
    const limited = await gateway.account(1, { models: ['sim-openai'] });
    const other = sdk(limited.key);
    await expectError(
      other.chat.completions.create({
        model: 'gemini-3.5-flash',
        messages: [{ role: 'user', content: 'x' }],
      }),
      OpenAI.PermissionDeniedError,
      403,
      'permission_error',
    );
    await assert.rejects(
      other.chat.completions.create({ model: 'sim-openai-x', messages: [{ role: 'user', content: 'x' }] }),
      (error: any) => {
        assert.equal(error instanceof OpenAI.NotFoundError, true);
        assert.equal(error.error.param, 'model');
        assert.equal(error.error.fallback_suggestion, 'sim-openai');
        return true;
      },
    );
  });

  test('400 names the param for a wrong type', async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: 'sim-openai',
        messages: [{ role: 'user', content: 'x' }],
        temperature: 7,
      }),
      (error: any) => {
        assert.equal(error instanceof OpenAI.BadRequestError, true);
        assert.equal(error.error.param, 'temperature');
        assert.equal(error.error.type, 'invalid_request_error');
        return true;
      },
    );
  });

  test('402 when the account cannot pay', async () => {
    const poor = await gateway.account(0);
    await assert.rejects(
      sdk(poor.key).chat.completions.create({
        model: 'sim-openai',
        messages: [{ role: 'user', content: 'x' }],
      }),
      (error: any) => {
        assert.equal(error.status, 402);
        assert.equal(error.error.type, 'insufficient_quota_error');
        assert.equal(error.headers.get('x-should-retry'), 'false');
        return true;
      },
    );
  });

  test('429 with Retry-After when the upstream rate limits, 502 on upstream 500, 503 on upstream 503', async () => {
    const cases: Array<[string, any, number, string]> = [
      ['status=429;retry_after=7', OpenAI.RateLimitError, 429, 'rate_limit_error'],
      ['status=500', OpenAI.InternalServerError, 502, 'upstream_error'],
      ['status=503', OpenAI.InternalServerError, 503, 'service_unavailable_error'],
    ];
    for (const model of ['sim-openai', 'gemini-3.5-flash']) {
      for (const [fault, errorClass, status, type] of cases) {
        // A gateway of its own for each case: an upstream 429 or 503 puts the deployment in a cool-down
        // that would change the answer of the next case.
        const own = await startGateway({ simulator: gateway.simulator });
        const ownClient = new OpenAI({
          apiKey: (await own.account(10)).key,
          baseURL: `${own.url}/v1`,
          maxRetries: 0,
        });
        await assert.rejects(
          ownClient.chat.completions.create({
            model,
            messages: [{ role: 'user', content: `x [[sim:${fault}]]` }],
          }),
          (error: any) => {
            assert.equal(error instanceof errorClass, true, `${model} ${fault}: ${error?.constructor?.name}`);
            assert.equal(error.status, status, `${model} ${fault}`);
            assert.equal(error.error.type, type);
            if (status === 429) assert.ok(Number(error.headers.get('retry-after')) >= 7);
            assert.equal(validators.error({ error: error.error }), undefined);
            return true;
          },
        );
        await own.close();
      }
    }
  });

  test('429 from the key rate limit carries Retry-After and x-ratelimit headers', async () => {
    const limited = await gateway.account(5, { rpm: 2 });
    const other = sdk(limited.key);
    const ok = await other.chat.completions
      .create({ model: 'sim-openai', messages: [{ role: 'user', content: 'x' }] })
      .withResponse();
    assert.ok(ok.response.headers.get('x-ratelimit-limit-requests'));
    await other.chat.completions.create({ model: 'sim-openai', messages: [{ role: 'user', content: 'x' }] });
    await assert.rejects(
      other.chat.completions.create({ model: 'sim-openai', messages: [{ role: 'user', content: 'x' }] }),
      (error: any) => {
        assert.equal(error instanceof OpenAI.RateLimitError, true);
        assert.ok(Number(error.headers.get('retry-after')) >= 1);
        assert.equal(error.error.type, 'rate_limit_error');
        return true;
      },
    );
  });
});

test('GET /v1/models lists only the models the key may use; /v1/key shows limits and balance', async () => {
  const limited = await gateway.account(3, { models: ['gemini-3.5-flash'], rpm: 100 });
  const models = await sdk(limited.key).models.list();
  assert.deepEqual(
    models.data.map((model) => model.id),
    ['gemini-3.5-flash'],
  );
  const one = await sdk(limited.key).models.retrieve('gemini-3.5-flash');
  assert.equal(one.id, 'gemini-3.5-flash');
  const response = await fetch(`${gateway.url}/v1/key`, {
    headers: { authorization: `Bearer ${limited.key}` },
  });
  const body = (await response.json()) as any;
  assert.equal(body.limits.rpm, 100);
  assert.equal(body.balance_usd, 3);
});

test('keys are accepted from x-api-key and x-goog-api-key too', async () => {
  for (const header of ['x-api-key', 'x-goog-api-key']) {
    const response = await fetch(`${gateway.url}/v1/models`, { headers: { [header]: key } });
    assert.equal(response.status, 200, header);
  }
});

test('no key, client or upstream, ever reaches the log', async () => {
  await client.chat.completions.create({
    model: 'sim-openai',
    messages: [{ role: 'user', content: 'log me' }],
  });
  await client.chat.completions
    .create({ model: 'gemini-3.5-flash', messages: [{ role: 'user', content: 'x [[sim:status=500]]' }] })
    .catch(() => undefined);
  const logs = gateway.logs.join('');
  assert.ok(logs.length > 0, 'debug logs were written');
  assert.ok(!logs.includes(key), 'client key in logs');
  assert.ok(!logs.includes('upstream-gemini-key-canary'), 'gemini key in logs');
  assert.ok(!logs.includes('upstream-openai-key-canary'), 'openai key in logs');
});

test('a request the Gemini translation refuses is a 400 naming the param, not a 502', async () => {
  gateway.simulator.resetAttempts();
  await assert.rejects(
    client.chat.completions.create({
      model: 'gemini-3.5-flash',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'tool', tool_call_id: 'call_unknown', content: '42' },
      ],
    }),
    (error: any) => {
      assert.equal(error.status, 400);
      assert.equal(error.error.type, 'invalid_request_error');
      assert.ok(String(error.error.param).startsWith('messages'));
      return true;
    },
  );
  assert.equal(gateway.simulator.attempts.length, 0, 'nothing was sent upstream');
});
