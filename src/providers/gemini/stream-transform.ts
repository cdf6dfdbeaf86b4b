/**
 * Gemini `streamGenerateContent?alt=sse` payloads -> `StreamEvent`s (gemini-mapping.md §7). Each SSE
 * `data` is one whole `GenerateContentResponse` carrying only new parts; `usageMetadata` is cumulative,
 * so each report replaces the previous one and only the last counts. Per choice: `role` on the first
 * delta only, thoughts as `reasoning_content`, text as `content` (empty text skipped), each function call
 * whole in one delta with an index that keeps increasing across the stream, and `tool_calls` as the
 * finish reason if a call was seen anywhere. Usage is never estimated here; the pipeline does that when
 * no usage event arrived.
 */
import type { ChunkChoice, ChunkDelta, TokenCounts, UrlCitation } from '../../openai/response.ts';
import type { StreamEvent } from '../provider.ts';
import { UpstreamError } from '../shared/upstream-error.ts';
import { groundingAnnotations } from './convert-grounding.ts';
import { convertLogprobs } from './convert-logprobs.ts';
import { convertParts, type TextSpan } from './convert-parts.ts';
import { convertUsage } from './convert-usage.ts';
import type { GeminiCandidate, GeminiResponse } from './gemini-types.ts';
import { mapFinishReason } from './map-finish-reason.ts';
import { parseGeminiJson } from './parse-response.ts';

interface ChoiceState {
  roleSent: boolean;
  nextToolIndex: number;
  sawToolCall: boolean;
  finished: boolean;
  /** UTF-8 bytes of text parts and characters of content so far (grounding offsets count from 0). */
  bytes: number;
  chars: number;
  /** Text spans so far, kept for grounding offsets (bounded: past the cap, citations are not built). */
  spans: TextSpan[];
  spanBytes: number;
  cited: Set<string>;
}

/** Text kept per choice for grounding offsets; a longer answer gets citations for its first part only. */
const MAX_SPAN_BYTES = 256 * 1024;

function sameCounts(left: TokenCounts | undefined, right: TokenCounts): boolean {
  if (left === undefined) return false;
  return (Object.keys(right) as Array<keyof TokenCounts>).every((key) => left[key] === right[key]);
}

/** Incremental and synchronous, so it can be driven by any framing and tested without I/O. */
export class GeminiStreamTransformer {
  readonly #choices = new Map<number, ChoiceState>();
  #lastCounts: TokenCounts | undefined;
  #upstreamId: string | undefined;
  #grounded = false;

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
      if (this.#grounded) counts.groundedRequests = 1;
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
      state = {
        roleSent: false,
        nextToolIndex: 0,
        sawToolCall: false,
        finished: false,
        bytes: 0,
        chars: 0,
        spans: [],
        spanBytes: 0,
        cited: new Set(),
      };
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
      const blocked = this.#choice(0, state, {}, 'content_filter');
      blocked.native_finish_reason = response.promptFeedback.blockReason;
      const message = response.promptFeedback.blockReasonMessage;
      if (message !== undefined) blocked.finish_message = message;
      return [blocked];
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
    const parts = convertParts(candidate.content?.parts ?? [], { bytes: state.bytes, chars: state.chars });
    for (const call of parts.toolCalls) {
      state.sawToolCall = true;
      (delta.tool_calls ??= []).push({ index: state.nextToolIndex++, ...call });
    }
    if (parts.reasoning !== '') delta.reasoning_content = parts.reasoning;
    if (parts.content !== '') delta.content = parts.content;
    if (parts.images.length > 0) delta.images = parts.images;
    if (parts.audio !== undefined) delta.audio = parts.audio;
    this.#track(state, parts.spans, parts.content);
    const extensions: Partial<ChunkChoice> = {};
    if (candidate.groundingMetadata !== undefined) {
      if (candidate.groundingMetadata.billable) this.#grounded = true;
      const fresh = this.#newCitations(state, groundingAnnotations(candidate.groundingMetadata, state.spans));
      if (fresh.length > 0) delta.annotations = fresh;
      extensions.grounding_metadata = candidate.groundingMetadata.raw;
    }
    const logprobs = convertLogprobs(candidate.logprobsResult);
    if (logprobs !== undefined) extensions.logprobs = logprobs;
    const hasDelta = Object.keys(delta).length > 0 || Object.keys(extensions).length > 0;
    if (candidate.finishReason === undefined) {
      return hasDelta ? { ...this.#choice(index, state, delta, null), ...extensions } : undefined;
    }
    state.finished = true;
    const choice = this.#choice(
      index,
      state,
      delta,
      mapFinishReason(candidate.finishReason, state.sawToolCall),
    );
    Object.assign(choice, extensions);
    choice.native_finish_reason = candidate.finishReason;
    if (candidate.finishMessage !== undefined) choice.finish_message = candidate.finishMessage;
    return choice;
  }

  #track(state: ChoiceState, spans: readonly TextSpan[], content: string): void {
    for (const span of spans) {
      const size = Buffer.byteLength(span.text);
      state.bytes += size;
      if (state.spanBytes + size <= MAX_SPAN_BYTES) {
        state.spans.push(span);
        state.spanBytes += size;
      }
    }
    state.chars += content.length;
  }

  /** Grounding metadata can repeat on later chunks; each citation is sent once. */
  #newCitations(state: ChoiceState, annotations: UrlCitation[]): UrlCitation[] {
    return annotations.filter((annotation) => {
      const { url, start_index: start, end_index: end } = annotation.url_citation;
      const key = `${start}:${end}:${url}`;
      if (state.cited.has(key)) return false;
      state.cited.add(key);
      return true;
    });
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
