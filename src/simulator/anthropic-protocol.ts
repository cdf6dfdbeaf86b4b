/**
 * Anthropic Messages as the simulator writes them: the JSON `message` and the SSE stream
 * (`event: <type>` + `data: {...}`: message_start with the input usage, content blocks for thinking,
 * text or a tool use, message_delta with the stop reason and output tokens, message_stop; no [DONE]).
 * Usage follows Anthropic's rules: `input_tokens` excludes cache reads, reported apart.
 */
import type { ChoicePlan, GenerationPlan } from './generation-plan.ts';
import { REASONING_SEED_OFFSET, type Frame, type StreamScript, type UsageMode } from './protocol.ts';
import { countTokens, poolPieces, poolText } from './text-generator.ts';

function stopReason(choice: ChoicePlan): string {
  if (choice.toolCall) return 'tool_use';
  return choice.truncated ? 'max_tokens' : 'end_turn';
}

function usage(plan: GenerationPlan, mode: UsageMode, output: number): Record<string, number> {
  if (mode === 'zero')
    return { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 };
  return {
    input_tokens: plan.promptTokens - plan.cachedTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: plan.cachedTokens,
    output_tokens: output,
  };
}

function signature(id: string): string {
  return Buffer.from(`simulated-thinking-signature:${id}`).toString('base64');
}

export function anthropicMessageBody(plan: GenerationPlan, id: string, mode: UsageMode): string {
  const choice = plan.choices[0] as ChoicePlan;
  const content: Record<string, unknown>[] = [];
  if (choice.reasoningTokens > 0)
    content.push({
      type: 'thinking',
      thinking: poolText(choice.seed + REASONING_SEED_OFFSET, choice.reasoningTokens),
      signature: signature(id),
    });
  if (choice.toolCall) {
    content.push({
      type: 'tool_use',
      id: `toolu_${choice.toolCall.id}`,
      name: choice.toolCall.name,
      input: JSON.parse(choice.toolCall.arguments),
    });
  } else content.push({ type: 'text', text: poolText(choice.seed, choice.textTokens) });
  const message: Record<string, unknown> = {
    id,
    type: 'message',
    role: 'assistant',
    model: plan.model,
    content,
    stop_reason: stopReason(choice),
    stop_sequence: null,
  };
  if (mode !== 'none') message.usage = usage(plan, mode, plan.completionTokens);
  return JSON.stringify(message);
}

const frame = (type: string, data: unknown, tokens = 0, reasoning = 0, carriesUsage = false): Frame => ({
  text: `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`,
  completionTokens: tokens,
  reasoningTokens: reasoning,
  carriesUsage,
});

export function anthropicStreamScript(
  plan: GenerationPlan,
  id: string,
  chunkCount: number,
  mode: UsageMode,
): StreamScript {
  const choice = plan.choices[0] as ChoicePlan;
  const frames: Frame[] = [];
  const start = {
    id,
    type: 'message',
    role: 'assistant',
    model: plan.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
  };
  frames.push(
    frame(
      'message_start',
      { type: 'message_start', message: mode === 'none' ? start : { ...start, usage: usage(plan, mode, 1) } },
      0,
      0,
      mode !== 'none',
    ),
  );
  let index = 0;
  if (choice.reasoningTokens > 0) {
    frames.push(
      frame('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'thinking', thinking: '' },
      }),
    );
    const text = poolText(choice.seed + REASONING_SEED_OFFSET, choice.reasoningTokens);
    frames.push(
      frame(
        'content_block_delta',
        { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: text } },
        choice.reasoningTokens,
        choice.reasoningTokens,
      ),
    );
    frames.push(
      frame('content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'signature_delta', signature: signature(id) },
      }),
    );
    frames.push(frame('content_block_stop', { type: 'content_block_stop', index }));
    index++;
  }
  if (choice.toolCall) {
    const call = choice.toolCall;
    frames.push(
      frame(
        'content_block_start',
        {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: `toolu_${call.id}`, name: call.name, input: {} },
        },
        countTokens(call.name),
      ),
    );
    frames.push(
      frame(
        'content_block_delta',
        {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: call.arguments },
        },
        call.tokens - countTokens(call.name),
      ),
    );
  } else {
    frames.push(
      frame('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'text', text: '' },
      }),
    );
    for (const piece of poolPieces(choice.seed, choice.textTokens, chunkCount)) {
      frames.push(
        frame(
          'content_block_delta',
          { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece.text } },
          piece.tokens,
        ),
      );
    }
  }
  frames.push(frame('content_block_stop', { type: 'content_block_stop', index }));
  const delta: Record<string, unknown> = {
    type: 'message_delta',
    delta: { stop_reason: stopReason(choice), stop_sequence: null },
  };
  if (mode !== 'none') delta.usage = { output_tokens: mode === 'zero' ? 0 : plan.completionTokens };
  frames.push(frame('message_delta', delta, 0, 0, mode !== 'none'));
  frames.push(frame('message_stop', { type: 'message_stop' }));
  return {
    frames,
    terminator: null,
    errorEvent: `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded (simulated)' } })}\n\n`,
    malformedEvent: 'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":\n\n',
    nonObjectEvent: 'event: ping\ndata: 42\n\n',
  };
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** `{"type":"error","error":{"type","message"}}` with Anthropic's type per status. */
export function anthropicErrorBody(status: number, message?: string): string {
  const type = ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return JSON.stringify({ type: 'error', error: { type, message: message ?? `${type} (simulated)` } });
}
