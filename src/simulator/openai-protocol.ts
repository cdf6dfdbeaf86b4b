/** The simulator's OpenAI Chat Completions dialect: request reading and answer shapes. */
import { argsFor, type Plan, type SimRequest } from './plan.ts';
import { countTokens, splitIntoChunks } from './text.ts';

type Json = Record<string, unknown>;

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part: Json) => (typeof part?.text === 'string' ? part.text : '')).join(' ');
  return '';
}

export function readOpenAIRequest(body: Json, cachedTokens: number): SimRequest {
  const messages = Array.isArray(body.messages) ? (body.messages as Json[]) : [];
  let mediaParts = 0;
  for (const message of messages) {
    if (Array.isArray(message.content)) for (const part of message.content as Json[]) if (part?.type !== 'text') mediaParts++;
  }
  const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
  const firstTool = (tools[0]?.function ?? null) as Json | null;
  const maxTokens = (body.max_completion_tokens ?? body.max_tokens ?? null) as number | null;
  const effort = body.reasoning_effort;
  return {
    protocol: 'openai',
    model: String(body.model ?? ''),
    stream: body.stream === true,
    promptText: messages.map((message) => textOf(message.content)).join('\n'),
    mediaParts,
    maxTokens: typeof maxTokens === 'number' ? maxTokens : null,
    thinking: typeof effort === 'string' && effort !== 'none',
    includeThoughts: typeof effort === 'string' && effort !== 'none',
    toolName: firstTool && typeof firstTool.name === 'string' ? firstTool.name : null,
    toolArgs: argsFor(firstTool?.parameters),
    lastIsToolResult: messages.at(-1)?.role === 'tool',
    candidates: typeof body.n === 'number' && body.n > 1 ? Math.min(8, body.n) : 1,
    cachedTokens,
  };
}

export function openAIUsage(plan: Plan): Json {
  const completion = plan.textTokens.length + plan.reasoningTokens + (plan.toolCall ? 8 : 0);
  const perChoice = completion * plan.candidates;
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: perChoice,
    total_tokens: plan.promptTokens + perChoice,
    prompt_tokens_details: { cached_tokens: plan.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: plan.reasoningTokens * plan.candidates, audio_tokens: 0 },
  };
}

function toolCalls(plan: Plan, index: number): Json[] | undefined {
  if (!plan.toolCall) return undefined;
  return [{ id: `call_sim_${index}`, type: 'function', function: { name: plan.toolCall.name, arguments: JSON.stringify(plan.toolCall.args) } }];
}

export function openAICompletion(plan: Plan, id: string, model: string, withUsage: boolean): Json {
  const choices = Array.from({ length: plan.candidates }, (_, index) => ({
    index,
    message: {
      role: 'assistant',
      content: plan.toolCall ? null : plan.textTokens.join(''),
      ...(plan.thoughtTokens.length ? { reasoning_content: plan.thoughtTokens.join('') } : {}),
      ...(plan.toolCall ? { tool_calls: toolCalls(plan, index) } : {}),
    },
    finish_reason: plan.toolCall ? 'tool_calls' : plan.finish,
  }));
  return { id, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model, choices, ...(withUsage ? { usage: openAIUsage(plan) } : {}) };
}

/** The `data:` payloads of a stream, without `[DONE]`; `tokensAt[i]` = completion tokens sent after chunk i. */
export function openAIChunks(plan: Plan, id: string, model: string, chunkCount: number, withUsage: boolean): { payloads: string[]; tokensAt: number[] } {
  const created = Math.floor(Date.now() / 1000);
  const base = (choices: Json[], usage?: Json) => JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...(usage ? { usage } : {}) });
  const payloads: string[] = [];
  const tokensAt: number[] = [];
  let sent = 0;
  const all = (delta: Json, finish: string | null = null) =>
    Array.from({ length: plan.candidates }, (_, index) => ({ index, delta, finish_reason: finish }));
  payloads.push(base(all({ role: 'assistant', content: '' })));
  tokensAt.push(0);
  if (plan.thoughtTokens.length) {
    payloads.push(base(all({ reasoning_content: plan.thoughtTokens.join('') })));
    tokensAt.push((sent += plan.reasoningTokens));
  } else sent += plan.reasoningTokens;
  if (plan.toolCall) {
    payloads.push(
      base(
        Array.from({ length: plan.candidates }, (_, index) => ({
          index,
          delta: { tool_calls: [{ index: 0, ...(toolCalls(plan, index)?.[0] as Json) }] },
          finish_reason: null,
        })),
      ),
    );
    tokensAt.push((sent += 8));
  }
  for (const text of splitIntoChunks(plan.textTokens, chunkCount)) {
    payloads.push(base(all({ content: text })));
    tokensAt.push((sent += countTokens(text)));
  }
  payloads.push(base(all({}, plan.toolCall ? 'tool_calls' : plan.finish)));
  tokensAt.push(sent);
  if (withUsage) {
    payloads.push(base([], openAIUsage(plan)));
    tokensAt.push(sent);
  }
  return { payloads, tokensAt };
}

export function openAIError(status: number, message: string): Json {
  const type = status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, code: status === 429 ? 'rate_limit_exceeded' : null, param: null } };
}
