/**
 * Gemini `streamGenerateContent?alt=sse` payloads -> `StreamEvent`s (gemini-mapping.md §7). Each SSE
 * `data` is one whole `GenerateContentResponse` carrying only new parts; `usageMetadata` is cumulative,
 * so each report replaces the previous one and only the last counts. Per choice: `role` on the first
 * delta only, thoughts as `reasoning_content`, text as `content` (empty text skipped), each function call
 * whole in one delta with an index that keeps increasing across the stream, and `tool_calls` as the
 * finish reason if a call was seen anywhere. Usage is never estimated here; the pipeline does that when
 * no usage event arrived.
 */
import type { ChunkChoice, ChunkDelta, TokenCounts } from '../../openai/response.ts';
import type { StreamEvent } from '../provider.ts';
import { UpstreamError } from '../shared/upstream-error.ts';
import { toToolCall, hasFunctionCall } from './convert-response.ts';
import { convertUsage } from './convert-usage.ts';
import type { GeminiCandidate, GeminiResponse } from './gemini-types.ts';
import { mapFinishReason } from './map-finish-reason.ts';
import { parseGeminiJson } from './parse-response.ts';

interface ChoiceState {
  roleSent: boolean;
  nextToolIndex: number;
  sawToolCall: boolean;
  finished: boolean;
}

function sameCounts(left: TokenCounts | undefined, right: TokenCounts): boolean {
  if (left === undefined) return false;
  return (Object.keys(right) as Array<keyof TokenCounts>).every((key) => left[key] === right[key]);
}

/** Incremental and synchronous, so it can be driven by any framing and tested without I/O. */
export class GeminiStreamTransformer {
  readonly #choices = new Map<number, ChoiceState>();
  #lastCounts: TokenCounts | undefined;
  #upstreamId: string | undefined;

  get upstreamId(): string | undefined {
    return this.#upstreamId;
  }

  /** One SSE `data` payload -> zero or more events. Throws `UpstreamError` on an error or bad JSON. */
  push(data: string): StreamEvent[] {
    // Gemini never sends OpenAI's terminator, but an upstream double might; it carries nothing.
    if (data === '[DONE]') return [];
    const response = parseGeminiJson(data);
    this.#upstreamId ??= response.responseId;
    const events: StreamEvent[] = [];
    const choices = this.#choicesOf(response);
    if (choices.length > 0) events.push({ type: 'choices', choices });
    if (response.usageMetadata !== undefined) {
      const counts = convertUsage(response.usageMetadata);
      if (!sameCounts(this.#lastCounts, counts)) {
        this.#lastCounts = counts;
        events.push({ type: 'usage', counts });
      }
    }
    return events;
  }

  /** Called at the end of the upstream body: a stream that never finished was cut short. */
  finish(): void {
    const states = [...this.#choices.values()];
    if (states.length === 0 || states.some((state) => !state.finished)) {
      throw new UpstreamError({
        kind: 'protocol',
        code: 'upstream_failed',
        message: 'gemini: stream ended before a finish reason',
      });
    }
  }

  #state(index: number): ChoiceState {
    let state = this.#choices.get(index);
    if (state === undefined) {
      state = { roleSent: false, nextToolIndex: 0, sawToolCall: false, finished: false };
      this.#choices.set(index, state);
    }
    return state;
  }

  #choicesOf(response: GeminiResponse): ChunkChoice[] {
    const candidates = response.candidates ?? [];
    if (candidates.length === 0) {
      if (response.promptFeedback?.blockReason === undefined) return [];
      // A blocked prompt: no candidates, only promptFeedback (§7.7).
      const state = this.#state(0);
      state.finished = true;
      return [this.#choice(0, state, {}, 'content_filter')];
    }
    const choices: ChunkChoice[] = [];
    candidates.forEach((candidate, position) => {
      const choice = this.#candidateChoice(candidate, candidate.index ?? position);
      if (choice !== undefined) choices.push(choice);
    });
    return choices;
  }

  #candidateChoice(candidate: GeminiCandidate, index: number): ChunkChoice | undefined {
    const state = this.#state(index);
    const delta: ChunkDelta = {};
    for (const part of candidate.content?.parts ?? []) {
      if (hasFunctionCall(part)) {
        const call = toToolCall(part);
        state.sawToolCall = true;
        (delta.tool_calls ??= []).push({ index: state.nextToolIndex++, ...call });
      } else if (part.text !== undefined && part.text !== '') {
        if (part.thought === true) delta.reasoning_content = (delta.reasoning_content ?? '') + part.text;
        else delta.content = (delta.content ?? '') + part.text;
      }
    }
    const hasDelta = Object.keys(delta).length > 0;
    if (candidate.finishReason === undefined) {
      return hasDelta ? this.#choice(index, state, delta, null) : undefined;
    }
    state.finished = true;
    return this.#choice(index, state, delta, mapFinishReason(candidate.finishReason, state.sawToolCall));
  }

  #choice(
    index: number,
    state: ChoiceState,
    delta: ChunkDelta,
    finish: ChunkChoice['finish_reason'],
  ): ChunkChoice {
    if (!state.roleSent) {
      state.roleSent = true;
      return { index, delta: { role: 'assistant', ...delta }, finish_reason: finish };
    }
    return { index, delta, finish_reason: finish };
  }
}

/** SSE `data` payloads (from `parseSseData`) -> events, checking at the end that the stream finished. */
export async function* transformGeminiStream(payloads: AsyncIterable<string>): AsyncGenerator<StreamEvent> {
  const transformer = new GeminiStreamTransformer();
  for await (const data of payloads) {
    yield* transformer.push(data);
  }
  transformer.finish();
}
