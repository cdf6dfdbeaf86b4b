/**
 * A streaming request answered with a plain JSON completion (some servers ignore `stream: true` for
 * tool calls or cached answers): replay it as the events one full chunk would have produced.
 */
import type { ChunkChoice, ChunkDelta } from '../../openai/response.ts';
import type { StreamEvent } from '../provider.ts';
import type { ConvertedCompletion } from './convert-response.ts';

export function completionAsEvents(completion: ConvertedCompletion): StreamEvent[] {
  const choices: ChunkChoice[] = completion.choices.map((choice) => {
    const message = choice.message;
    const delta: ChunkDelta = { role: 'assistant' };
    if (message.reasoning_content !== undefined) delta.reasoning_content = message.reasoning_content;
    if (message.content !== null) delta.content = message.content;
    if (message.tool_calls) {
      delta.tool_calls = message.tool_calls.map((call, index) => ({ ...call, index }));
    }
    const chunk: ChunkChoice = { index: choice.index, delta, finish_reason: choice.finish_reason ?? 'stop' };
    if (choice.logprobs !== undefined) chunk.logprobs = choice.logprobs;
    return chunk;
  });
  const events: StreamEvent[] = [{ type: 'choices', choices }];
  if (completion.counts) events.push({ type: 'usage', counts: completion.counts });
  return events;
}
