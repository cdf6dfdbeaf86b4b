/**
 * The Anthropic Messages door on the wire: a recorded Claude Code request replayed through Portico
 * (context management, deferred tools, thinking with `display: "omitted"`, `?beta=true`, beta headers),
 * what the upstream receives for documents, tool results and thinking signatures, and the 400s that name
 * each field Portico cannot honour, in Anthropic's error shape.
 */
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, startGateway, type Gateway } from '../helpers/gateway.ts';
import { CLAUDE_ALIASES } from '../helpers/claude-aliases.ts';
import { ledgerRows } from '../helpers/ledger.ts';

let gateway: Gateway;
let key: string;
let accountId: string;

before(async () => {
  gateway = await startGateway({ models: CLAUDE_ALIASES });
  ({ key, accountId } = await gateway.account(50));
});
after(async () => gateway.close());

interface Frame {
  event: string;
  data: any;
}

function post(body: unknown, headers: Record<string, string> = {}, path = '/v1/messages'): Promise<Response> {
  return fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: {
      'x-api-key': key,
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

function frames(text: string): Frame[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.startsWith('event: '))
    .map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      return { event: eventLine?.slice(7) ?? '', data: JSON.parse(dataLine?.slice(6) ?? 'null') };
    });
}

/** What the simulator received for the request that got this response. */
function upstreamBody(response: Response): any {
  const id = response.headers.get('x-request-id');
  const attempt = gateway.simulator.attempts.find((entry) => entry.requestId === id);
  assert.ok(attempt, `an upstream attempt for ${id}`);
  return attempt.body;
}

const recorded = JSON.parse(
  readFileSync(new URL('../fixtures/anthropic/claude-code-request.json', import.meta.url), 'utf8'),
) as { headers: Record<string, string>; path: string; body: Record<string, unknown> };

describe('a recorded Claude Code request', () => {
  test('is served: thinking omitted to the client, deferred tools declared, one ledger row', async () => {
    const before = (await ledgerRows(gateway, accountId)).length;
    const response = await post(recorded.body, recorded.headers, recorded.path);
    assert.equal(response.status, 200, await response.clone().text());
    const events = frames(await response.text());
    assert.equal(events[0]?.event, 'message_start');
    assert.equal(events.at(-1)?.event, 'message_stop');
    const thinkingStart = events.find(
      (frame) => frame.event === 'content_block_start' && frame.data.content_block.type === 'thinking',
    );
    assert.ok(thinkingStart, 'the model thought');
    assert.ok(
      events.every((frame) => frame.data.delta?.type !== 'thinking_delta'),
      'display "omitted": no thinking text',
    );
    const upstream = upstreamBody(response);
    const names = upstream.tools.flatMap((entry: any) =>
      (entry.functionDeclarations ?? []).map((fn: any) => fn.name),
    );
    assert.deepEqual(names, ['Read', 'ToolSearch', 'DeferredToolPlaceholder']);
    assert.equal(upstream.generationConfig.maxOutputTokens, 32000);
    assert.equal(upstream.generationConfig.thinkingConfig.thinkingLevel, 'high');
    const rows = await ledgerRows(gateway, accountId);
    assert.equal(rows.length, before + 1);
    assert.equal(rows.at(-1)?.door, 'anthropic-messages');
    assert.equal(rows.at(-1)?.model, 'gemini-3.5-flash');
    const metrics = await (
      await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
    ).text();
    assert.match(
      metrics,
      /portico_requests_total\{door="anthropic-messages",model="gemini-3\.5-flash",status="200"\} \d+/,
    );
  });
});

describe('content on its way upstream', () => {
  test('a PDF, a text document with its title, a tool_reference and an is_error result', async () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF').toString('base64');
    const response = await post({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      tools: [{ name: 'lookup', input_schema: { type: 'object', properties: {} } }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf } },
            {
              type: 'document',
              title: 'Notes',
              source: { type: 'text', media_type: 'text/plain', data: 'The sky is green here.' },
            },
            { type: 'text', text: 'Summarise.' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
            { type: 'tool_use', id: 'toolu_01', name: 'lookup', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_01',
              is_error: true,
              content: [
                { type: 'text', text: 'not found' },
                { type: 'tool_reference', tool_name: 'lookup' },
              ],
            },
          ],
        },
      ],
    });
    assert.equal(response.status, 200, await response.clone().text());
    const contents = upstreamBody(response).contents as Array<{ role: string; parts: any[] }>;
    const [user, model, toolTurn] = contents;
    assert.deepEqual(user?.parts[0]?.inlineData, { mimeType: 'application/pdf', data: pdf });
    assert.equal(user?.parts[1]?.text, 'Notes');
    assert.equal(user?.parts[2]?.text, 'The sky is green here.');
    assert.equal(model?.parts.length, 1, 'redacted thinking is not sent');
    assert.equal(model?.parts[0]?.functionCall.name, 'lookup');
    assert.deepEqual(toolTurn?.parts[0]?.functionResponse, {
      name: 'lookup',
      response: { error: 'not found\nTool available: lookup' },
    });
  });
});

describe('refusals name the field, in Anthropic shape', () => {
  const base = { model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] };
  const cases: Array<[string, Record<string, unknown>, string, Record<string, string>?]> = [
    ['an unknown field', { ...base, frobnicate: 1 }, 'frobnicate'],
    ['no max_tokens', { model: base.model, messages: base.messages }, 'max_tokens'],
    ['a server tool', { ...base, tools: [{ type: 'bash_20250124', name: 'bash' }] }, 'tools[0].type'],
    ['MCP servers', { ...base, mcp_servers: [{ type: 'url', url: 'https://x', name: 'x' }] }, 'mcp_servers'],
    [
      'a context edit other than clearing thinking',
      { ...base, context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] } },
      'context_management.edits[0].type',
    ],
    [
      'a thinking budget not below max_tokens',
      { ...base, thinking: { type: 'enabled', budget_tokens: 2048 } },
      'thinking.budget_tokens',
    ],
    [
      'a Files API image',
      {
        ...base,
        messages: [
          { role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_1' } }] },
        ],
      },
      'messages[0].content[0].source',
    ],
    [
      'document citations',
      {
        ...base,
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'document',
                citations: { enabled: true },
                source: { type: 'text', media_type: 'text/plain', data: 'x' },
              },
            ],
          },
        ],
      },
      'messages[0].content[0].citations',
    ],
    ['temperature above 1', { ...base, temperature: 1.5 }, 'temperature'],
    ['six stop sequences', { ...base, stop_sequences: ['a', 'b', 'c', 'd', 'e', 'f'] }, 'stop_sequences'],
    ['a bad anthropic-version', base, 'anthropic-version', { 'anthropic-version': 'latest' }],
  ];
  for (const [name, body, param, headers] of cases) {
    test(name, async () => {
      const before = (await ledgerRows(gateway, accountId)).length;
      const response = await post(body, headers);
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('x-should-retry'), 'false');
      const error = (await response.json()) as {
        type: string;
        error: { type: string; message: string; param: string };
      };
      assert.equal(error.type, 'error');
      assert.equal(error.error.type, 'invalid_request_error');
      assert.equal(error.error.param, param);
      assert.ok(error.error.message.length > 0);
      assert.equal((await ledgerRows(gateway, accountId)).length, before, 'nothing billed');
    });
  }

  test('a body that is not JSON: invalid_request_error in Anthropic shape', async () => {
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: '{"model":',
    });
    assert.equal(response.status, 400);
    const error = (await response.json()) as { type: string; error: { type: string } };
    assert.deepEqual([error.type, error.error.type], ['error', 'invalid_request_error']);
  });

  test('Authorization: Bearer works as well as x-api-key', async () => {
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'claude-haiku-4-5',
        max_tokens: 20,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { type: string }).type, 'message');
  });
});
