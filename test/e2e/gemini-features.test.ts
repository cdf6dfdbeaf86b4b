/**
 * Gemini features end to end, offline: the real gateway on port 0 over the simulator, driven by the real
 * client libraries people use for structured output — the `openai` SDK (`chat.completions.parse` with
 * `zodResponseFormat`), the Vercel AI SDK (`generateObject` over `@ai-sdk/openai-compatible`) and
 * LangChain (`@langchain/openai` `withStructuredOutput`, default mode) — plus grounding annotations,
 * an image model, logprobs, and the per-field refusals and the `drop_unsupported_params` switch.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { generateObject } from 'ai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ChatOpenAI } from '@langchain/openai';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

let gateway: Gateway;
let client: OpenAI;
let key: string;

const Recipe = z.object({
  title: z.string(),
  course: z.enum(['starter', 'main', 'dessert']),
  servings: z.number().int(),
  ingredients: z.array(z.object({ name: z.string(), grams: z.number() })),
  vegetarian: z.boolean(),
  notes: z.string().nullable(),
});

before(async () => {
  gateway = await startGateway({
    models: {
      'gemini-2.5-flash': {},
      'gemini-2.5-flash-image': {},
      'gemini-2.5-flash-preview-tts': {},
      'lenient-flash': {
        deployments: [{ provider: 'google', model: 'gemini-2.5-flash' }],
        pricing: { input: 0.3, output: 2.5 },
        drop_unsupported_params: true,
      },
    },
  });
  ({ key } = await gateway.account(10));
  client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});
after(async () => gateway.close());

describe('structured output through real clients', () => {
  test('openai SDK: chat.completions.parse with zodResponseFormat', async () => {
    const completion = await client.chat.completions.parse({
      model: 'gemini-3.5-flash',
      messages: [{ role: 'user', content: 'A recipe, please' }],
      response_format: zodResponseFormat(Recipe, 'recipe'),
    });
    const parsed = completion.choices[0]?.message.parsed;
    assert.ok(parsed, 'parsed output');
    assert.deepEqual(Recipe.parse(parsed), parsed);
    const sent = gateway.simulator.attempts.at(-1)?.body as { generationConfig: Record<string, unknown> };
    assert.equal(sent.generationConfig.responseMimeType, 'application/json');
    assert.ok(sent.generationConfig.responseJsonSchema, 'the schema travels as responseJsonSchema');
  });

  test('Vercel AI SDK: generateObject over @ai-sdk/openai-compatible', async () => {
    const provider = createOpenAICompatible({
      name: 'portico',
      baseURL: `${gateway.url}/v1`,
      apiKey: key,
      supportsStructuredOutputs: true,
    });
    const { object } = await generateObject({
      model: provider.chatModel('gemini-2.5-flash'),
      schema: Recipe,
      prompt: 'A recipe, please',
      maxRetries: 0,
    });
    assert.deepEqual(Recipe.parse(object), object);
  });

  test('LangChain: ChatOpenAI.withStructuredOutput (default mode)', async () => {
    const model = new ChatOpenAI({
      model: 'gemini-3.5-flash',
      apiKey: key,
      configuration: { baseURL: `${gateway.url}/v1` },
      maxRetries: 0,
    });
    const result = await model.withStructuredOutput(Recipe).invoke('A recipe, please');
    assert.deepEqual(Recipe.parse(result), result);
  });
});

describe('Gemini features through the gateway', () => {
  test('web_search_options: Google Search grounding comes back as url_citation annotations', async () => {
    const completion = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'What happened today?' }],
      web_search_options: {},
    });
    const choice = completion.choices[0] as any;
    const content: string = choice.message.content;
    const annotations = choice.message.annotations as Array<any>;
    assert.ok(annotations.length >= 1, 'annotations');
    for (const annotation of annotations) {
      assert.equal(annotation.type, 'url_citation');
      assert.match(annotation.url_citation.url, /^https:\/\//);
      assert.ok(annotation.url_citation.end_index <= content.length);
      assert.ok(annotation.url_citation.start_index < annotation.url_citation.end_index);
    }
    assert.ok(choice.grounding_metadata.webSearchQueries.length > 0, 'raw grounding_metadata');
    const sent = gateway.simulator.attempts.at(-1)?.body as { tools: unknown[] };
    assert.deepEqual(sent.tools, [{ googleSearch: {} }]);
    const usage = completion.usage as any;
    assert.equal(usage.grounded_requests, 1);
    // One grounded prompt at $35 per 1,000 on top of the tokens ($0.30 / $2.50 per 1M).
    const micros = Math.ceil(usage.prompt_tokens * 0.3 + usage.completion_tokens * 2.5) + 35_000;
    assert.equal(usage.cost, micros / 1_000_000);
  });

  test('a grounded stream carries annotations in a delta', async () => {
    const stream = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'What happened today?' }],
      tools: [{ type: 'google_search' } as any],
      stream: true,
    });
    let annotations = 0;
    let content = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as any;
      content += delta?.content ?? '';
      annotations += delta?.annotations?.length ?? 0;
    }
    assert.ok(content.length > 0);
    assert.ok(annotations >= 1);
  });

  test('an image model returns an image, as JSON and streamed', async () => {
    const completion = await client.chat.completions.create({
      model: 'gemini-2.5-flash-image',
      messages: [{ role: 'user', content: 'Draw a cat' }],
      modalities: ['text', 'image'] as any,
    });
    const message = completion.choices[0]?.message as any;
    assert.match(message.images[0].image_url.url, /^data:image\/png;base64,iVBOR/);
    const usage = completion.usage as any;
    assert.equal(usage.completion_tokens_details.image_tokens, 1290);
    // Billed at the image price: prompt at $0.30, text at $2.50, the 1290 image tokens at $30 per 1M.
    const text = usage.completion_tokens - 1290;
    const micros = Math.ceil(usage.prompt_tokens * 0.3 + text * 2.5 + 1290 * 30);
    assert.equal(usage.cost, micros / 1_000_000);
    const sent = gateway.simulator.attempts.at(-1)?.body as { generationConfig: Record<string, unknown> };
    assert.deepEqual(sent.generationConfig.responseModalities, ['TEXT', 'IMAGE']);

    const stream = await client.chat.completions.create({
      model: 'gemini-2.5-flash-image',
      messages: [{ role: 'user', content: 'Draw a cat' }],
      modalities: ['text', 'image'] as any,
      stream: true,
    });
    let images = 0;
    for await (const chunk of stream) images += (chunk.choices[0]?.delta as any)?.images?.length ?? 0;
    assert.equal(images, 1);
  });

  test('a speech model returns message.audio (WAV), audio tokens in usage', async () => {
    const completion = await client.chat.completions.create({
      model: 'gemini-2.5-flash-preview-tts',
      messages: [{ role: 'user', content: 'Say hello' }],
      modalities: ['text', 'audio'],
      audio: { voice: 'kore', format: 'wav' },
    });
    const audio = completion.choices[0]?.message.audio as any;
    const bytes = Buffer.from(audio.data, 'base64');
    assert.equal(bytes.subarray(0, 4).toString('ascii'), 'RIFF');
    assert.equal(bytes.subarray(8, 12).toString('ascii'), 'WAVE');
    assert.equal(audio.mime_type, 'audio/wav');
    const usage = completion.usage as any;
    assert.ok(usage.completion_tokens_details.audio_tokens > 0);
    assert.equal(usage.completion_tokens_details.audio_tokens, usage.completion_tokens);
    const sent = gateway.simulator.attempts.at(-1)?.body as { generationConfig: Record<string, unknown> };
    assert.deepEqual(sent.generationConfig.responseModalities, ['AUDIO']);
    assert.deepEqual(sent.generationConfig.speechConfig, {
      voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Kore' } },
    });
  });

  test('logprobs come back per token, with top candidates', async () => {
    const completion = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Say something' }],
      logprobs: true,
      top_logprobs: 2,
    });
    const logprobs = completion.choices[0]?.logprobs?.content ?? [];
    assert.ok(logprobs.length > 0);
    assert.equal(logprobs.map((entry) => entry.token).join(''), completion.choices[0]?.message.content);
    assert.equal(logprobs[0]?.top_logprobs.length, 2);
    assert.equal((completion.choices[0] as any).native_finish_reason, 'STOP');

    const stream = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Say something' }],
      logprobs: true,
      top_logprobs: 2,
      stream: true,
    });
    let content = '';
    let tokens = '';
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      for (const entry of chunk.choices[0]?.logprobs?.content ?? []) tokens += entry.token;
    }
    assert.ok(content.length > 0);
    assert.equal(tokens, content, 'each chunk carries the logprobs of its own text');
  });

  const reasons: Array<[string, string]> = [
    ['MALFORMED_FUNCTION_CALL', 'stop'],
    ['UNEXPECTED_TOOL_CALL', 'stop'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['MAX_TOKENS', 'length'],
  ];
  for (const [native, openai] of reasons) {
    test(`finish ${native}: finish_reason ${openai}, native_finish_reason kept (JSON and stream)`, async () => {
      const messages = [{ role: 'user' as const, content: `Hi [[sim:finish=${native}]]` }];
      const completion = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages });
      assert.equal(completion.choices[0]?.finish_reason, openai);
      assert.equal((completion.choices[0] as any).native_finish_reason, native);
      const stream = await client.chat.completions.create({
        model: 'gemini-2.5-flash',
        messages,
        stream: true,
      });
      const finals: Array<[string | null, string]> = [];
      for await (const chunk of stream) {
        const choice = chunk.choices[0] as any;
        if (choice?.finish_reason) finals.push([choice.finish_reason, choice.native_finish_reason]);
      }
      assert.deepEqual(finals, [[openai, native]]);
    });
  }

  test('a field the model cannot honour is a 400 naming it; the switch turns it into a drop', async () => {
    const refused = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gemini-2.5-flash',
        messages: [{ role: 'user', content: 'Hi' }],
        modalities: ['text', 'image'],
      }),
    });
    assert.equal(refused.status, 400);
    const body = (await refused.json()) as { error: { param: string; message: string } };
    assert.equal(body.error.param, 'modalities');
    assert.match(body.error.message, /cannot generate image/);

    const before = gateway.simulator.attempts.length;
    const dropped = await client.chat.completions.create({
      model: 'lenient-flash',
      messages: [{ role: 'user', content: 'Hi' }],
      verbosity: 'low',
      prediction: { type: 'content', content: 'Hello' },
      parallel_tool_calls: false,
    } as any);
    assert.equal(dropped.choices[0]?.finish_reason, 'stop');
    assert.equal(gateway.simulator.attempts.length, before + 1);
  });
});
