/**
 * The Responses door's decoder on its own: how input items fold into canonical messages (one assistant
 * turn = one message), how each field maps, and that every refusal names the field in this dialect.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeResponsesRequest } from '../../../src/doors/openai-responses/decode.ts';
import { responsesErrorBody } from '../../../src/doors/openai-responses/errors.ts';
import { readReasoningToken, reasoningToken } from '../../../src/doors/openai-responses/reasoning-token.ts';
import { PorticoError } from '../../../src/errors.ts';

async function refusal(body: Record<string, unknown>): Promise<PorticoError> {
  try {
    await decodeResponsesRequest({ model: 'm', input: 'hi', ...body });
  } catch (error) {
    assert.ok(error instanceof PorticoError, String(error));
    assert.equal(error.status, 400);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('input items', () => {
  test('a string input and instructions: a system message, then the user message', async () => {
    const request = await decodeResponsesRequest({ model: 'm', input: 'hello', instructions: 'be brief' });
    assert.deepEqual(request.messages, [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hello' },
    ]);
  });

  test('reasoning, an assistant message and two calls fold into one assistant message', async () => {
    const request = await decodeResponsesRequest({
      model: 'm',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'q' }] },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'thinking' }] },
        {
          type: 'message',
          id: 'msg_1',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'calling', annotations: [] }],
        },
        { type: 'function_call', id: 'fc_1', call_id: 'call_a', name: 'f', arguments: '{}' },
        { type: 'function_call', call_id: 'call_b', name: 'g', arguments: '{"x":1}' },
        { type: 'function_call_output', call_id: 'call_a', output: 'A' },
        { type: 'function_call_output', call_id: 'call_b', output: [{ type: 'input_text', text: 'B' }] },
        { type: 'message', role: 'assistant', content: 'done' },
      ],
    });
    assert.deepEqual(request.messages, [
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      {
        role: 'assistant',
        content: [{ type: 'text', text: 'calling' }],
        reasoning_content: 'thinking',
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{}' } },
          { id: 'call_b', type: 'function', function: { name: 'g', arguments: '{"x":1}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: 'A' },
      { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: 'B' }] },
      { role: 'assistant', content: 'done' },
    ]);
  });

  test('two assistant messages in a row stay two messages', async () => {
    const request = await decodeResponsesRequest({
      model: 'm',
      input: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'one' },
        { role: 'assistant', content: 'two' },
      ],
    });
    assert.equal(request.messages.length, 3);
  });

  test('images and files: URL, data URL, file_id, file_url', async () => {
    const request = await decodeResponsesRequest({
      model: 'm',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'low' },
            { type: 'input_image', file_id: 'files/abc', detail: 'auto' },
            { type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' },
            { type: 'input_file', file_url: 'https://example.com/b.pdf' },
          ],
        },
      ],
    });
    assert.deepEqual(request.messages[0]?.content, [
      { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
      { type: 'file', file: { file_id: 'files/abc' } },
      { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
      { type: 'image_url', image_url: { url: 'https://example.com/b.pdf' } },
    ]);
  });

  test("Portico's reasoning token comes back as reasoning text; a foreign one is refused", async () => {
    const token = reasoningToken('earlier thoughts ✓');
    assert.equal(readReasoningToken(token), 'earlier thoughts ✓');
    const request = await decodeResponsesRequest({
      model: 'm',
      input: [
        { role: 'user', content: 'q' },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: token },
        { role: 'assistant', content: 'a' },
      ],
    });
    assert.deepEqual(request.messages[1], {
      role: 'assistant',
      content: 'a',
      reasoning_content: 'earlier thoughts ✓',
    });
    const error = await refusal({
      input: [{ type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAAB-openai' }],
    });
    assert.equal(error.param, 'input[0].encrypted_content');
  });
});

describe('fields', () => {
  test('tools, tool_choice, text.format, reasoning, limits and sampling map to the canonical names', async () => {
    const request = await decodeResponsesRequest({
      model: 'm',
      input: 'hi',
      tools: [
        { type: 'function', name: 'f', description: 'd', parameters: { type: 'object' }, strict: true },
        { type: 'google_search' },
      ],
      tool_choice: { type: 'function', name: 'f' },
      parallel_tool_calls: true,
      text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
      reasoning: { effort: 'xhigh', summary: 'auto' },
      max_output_tokens: 100,
      temperature: 0.5,
      top_p: 0.9,
      include: ['message.output_text.logprobs'],
      top_logprobs: 3,
      metadata: { a: 'b' },
      store: false,
      stream: true,
      user: 'u',
    });
    assert.deepEqual(request.tools, [
      {
        type: 'function',
        function: { name: 'f', description: 'd', parameters: { type: 'object' }, strict: true },
      },
      { type: 'google_search' },
    ]);
    assert.deepEqual(request.tool_choice, { type: 'function', function: { name: 'f' } });
    assert.deepEqual(request.response_format, {
      type: 'json_schema',
      json_schema: { name: 'out', schema: { type: 'object' }, strict: true },
    });
    assert.equal(request.reasoning_effort, 'high');
    assert.equal(request.max_completion_tokens, 100);
    assert.equal(request.temperature, 0.5);
    assert.equal(request.top_p, 0.9);
    assert.equal(request.logprobs, true);
    assert.equal(request.top_logprobs, 3);
    assert.deepEqual(request.metadata, { a: 'b' });
    assert.equal(request.stream, true);
    assert.equal(request.user, 'u');
    assert.equal('store' in request, false);
  });

  const refused: Array<[Record<string, unknown>, string]> = [
    [{ previous_response_id: 'resp_1' }, 'previous_response_id'],
    [{ store: true }, 'store'],
    [{ background: true }, 'background'],
    [{ tools: [{ type: 'file_search', vector_store_ids: [] }] }, 'tools[0].type'],
    [{ tools: [{ type: 'function', name: 'bad name' }] }, 'tools[0].name'],
    [{ tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [] } }, 'tool_choice'],
    [{ text: { format: { type: 'json_schema', schema: {} } } }, 'text.format.name'],
    [{ reasoning: { effort: 'maximum' } }, 'reasoning.effort'],
    [{ max_output_tokens: 0 }, 'max_output_tokens'],
    [{ temperature: 3 }, 'temperature'],
    [{ input: [{ type: 'computer_call_output', call_id: 'c' }] }, 'input[0].type'],
    [
      { input: [{ role: 'system', content: [{ type: 'input_image', image_url: 'x' }] }] },
      'input[0].content[0].type',
    ],
    [{ input: [{ role: 'user', content: 'x', extra: 1 }] }, 'input[0].extra'],
    [
      { input: [{ type: 'function_call_output', call_id: 'c', output: 'x', caller: { type: 'program' } }] },
      'input[0].caller',
    ],
    [{ input: 42 }, 'input'],
  ];
  for (const [body, param] of refused) {
    test(`refused naming ${param}`, async () => {
      const error = await refusal(body);
      assert.equal(error.param, param);
      assert.match(error.message, new RegExp(param.replace(/[[\].]/g, '\\$&')));
    });
  }

  test('an empty input reaches the canonical check and is named input, not messages', async () => {
    const error = await refusal({ input: [] });
    const body = responsesErrorBody(error) as { error: { param: string; type: string; code: string } };
    assert.equal(body.error.param, 'input');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.code, 'invalid_request');
  });
});
