/**
 * Anthropic's Messages stream (`event:`/`data:` pairs; every `data` names its own `type`) -> canonical
 * stream events: `message_start` carries the prompt usage, `content_block_*` the text, thinking and
 * tool-call pieces, `message_delta` the stop reason and the output tokens, `error` a failure after the
 * stream began. Usage events are cumulative (input from the start, output from the delta).
 */
import type { ChunkChoice } from '../../openai/response.ts';
import type { StreamEvent } from '../provider.ts';
import { UpstreamError } from '../shared/upstream-error.ts';
import { convertUsage, mapStopReason, type AnthropicUsage } from './convert-response.ts';
import { anthropicStreamError } from './errors.ts';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parse(data: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(data);
    if (isRecord(parsed)) return parsed;
  } catch (error) {
    throw new UpstreamError({
      kind: 'protocol',
      code: 'upstream_failed',
      message: 'anthropic: stream event is not JSON',
      cause: error,
    });
  }
  throw new UpstreamError({
    kind: 'protocol',
    code: 'upstream_failed',
    message: 'anthropic: stream event is not an object',
  });
}

const choice = (delta: ChunkChoice['delta'], finish: ChunkChoice['finish_reason'] = null): StreamEvent => ({
  type: 'choices',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

export async function* transformAnthropicStream(data: AsyncIterable<string>): AsyncGenerator<StreamEvent> {
  let usage: AnthropicUsage = {};
  /** Anthropic block index -> OpenAI tool-call index. */
  const toolIndex = new Map<number, number>();
  let stopped = false;
  for await (const text of data) {
    const event = parse(text);
    switch (event.type) {
      case 'message_start': {
        const message = isRecord(event.message) ? event.message : {};
        if (isRecord(message.usage)) usage = { ...(message.usage as AnthropicUsage) };
        yield choice({ role: 'assistant' });
        yield { type: 'usage', counts: convertUsage(usage) };
        break;
      }
      case 'content_block_start': {
        const block = isRecord(event.content_block) ? event.content_block : {};
        if (block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
          const index = toolIndex.size;
          toolIndex.set(Number(event.index), index);
          yield choice({
            tool_calls: [
              { index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } },
            ],
          });
        } else if (block.type === 'text' && typeof block.text === 'string' && block.text) {
          yield choice({ content: block.text });
        }
        break;
      }
      case 'content_block_delta': {
        const delta = isRecord(event.delta) ? event.delta : {};
        if (delta.type === 'text_delta' && typeof delta.text === 'string')
          yield choice({ content: delta.text });
        else if (delta.type === 'thinking_delta' && typeof delta.thinking === 'string')
          yield choice({ reasoning_content: delta.thinking });
        else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
          const index = toolIndex.get(Number(event.index)) ?? 0;
          yield choice({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] });
        }
        break;
      }
      case 'message_delta': {
        const delta = isRecord(event.delta) ? event.delta : {};
        if (isRecord(event.usage)) usage = { ...usage, ...(event.usage as AnthropicUsage) };
        yield { type: 'usage', counts: convertUsage(usage) };
        const finish = mapStopReason(delta.stop_reason);
        if (finish) {
          yield {
            type: 'choices',
            choices: [
              { index: 0, delta: {}, finish_reason: finish, native_finish_reason: String(delta.stop_reason) },
            ],
          };
        }
        break;
      }
      case 'message_stop':
        stopped = true;
        break;
      case 'error':
        throw anthropicStreamError(event);
      default:
        // `ping`, `content_block_stop` and event types added later carry nothing to translate.
        break;
    }
  }
  if (!stopped) {
    throw new UpstreamError({
      kind: 'protocol',
      code: 'upstream_failed',
      message: 'anthropic: the stream ended without message_stop',
    });
  }
}
