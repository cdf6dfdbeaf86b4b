/**
 * Upstream SSE `data` payloads -> StreamEvents. Per-stream state is two small maps: which choices have
 * finished and which tool-call indexes already received their id.
 *
 * - `[DONE]` ends the stream. A stream that ends without `[DONE]` is accepted only when every choice
 *   seen has a finish_reason (some servers omit `[DONE]`); otherwise it was cut: kind `reset`.
 * - An `{"error":...}` event or a chunk that is not JSON is a protocol error.
 * - The first delta of each tool call gets an id when the upstream sent `""` or none (Gemini's
 *   compatible endpoint); later argument deltas carry no id, as OpenAI's own stream.
 */
import type { ChunkChoice, ChunkDelta } from '../../openai/response.ts';
import { UpstreamError } from '../shared/upstream-error.ts';
import type { StreamEvent } from '../provider.ts';
import { argumentsOf, reasoningOf } from './convert-response.ts';
import { convertUsage } from './convert-usage.ts';
import { arrayAt, countAt, isRecord, recordAt, stringAt, type JsonRecord } from './json-shape.ts';
import { mapFinishReason } from './map-finish-reason.ts';
import { encodeToolCallId, newToolCallId, signatureIn } from './tool-call-id.ts';
import { errorPayloadError, isErrorPayload, protocolError } from './upstream-errors.ts';

type ChunkToolCall = NonNullable<ChunkDelta['tool_calls']>[number] & { extra_content?: unknown };

interface ChoiceState {
  finished: boolean;
  /** Tool-call indexes whose first delta has been sent. */
  toolCalls: Set<number>;
}

export async function* transformStream(payloads: AsyncIterable<string>): AsyncGenerator<StreamEvent> {
  const choices = new Map<number, ChoiceState>();
  for await (const data of payloads) {
    const trimmed = data.trim();
    if (trimmed === '[DONE]') return;
    if (trimmed === '') continue;
    const payload = parseChunk(trimmed);
    const rawChoices = arrayAt(payload, 'choices');
    if (rawChoices && rawChoices.length > 0) {
      yield {
        type: 'choices',
        choices: rawChoices.map((raw, position) => convertChunkChoice(raw, position, choices)),
      };
    }
    const counts = convertUsage(payload.usage);
    if (counts) yield { type: 'usage', counts };
  }
  const finished = choices.size > 0 && [...choices.values()].every((choice) => choice.finished);
  if (!finished) {
    throw new UpstreamError({
      kind: 'reset',
      code: 'upstream_failed',
      message: 'upstream stream ended before [DONE] or a finish_reason',
    });
  }
}

function parseChunk(data: string): JsonRecord {
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch (error) {
    throw protocolError('a stream event is not valid JSON', error);
  }
  if (isErrorPayload(payload)) throw errorPayloadError(payload);
  if (!isRecord(payload)) throw protocolError('a stream event is not a JSON object');
  return payload;
}

function convertChunkChoice(raw: unknown, position: number, states: Map<number, ChoiceState>): ChunkChoice {
  if (!isRecord(raw)) throw protocolError('a stream choice is not an object');
  const index = countAt(raw, 'index') ?? position;
  let state = states.get(index);
  if (!state) {
    state = { finished: false, toolCalls: new Set() };
    states.set(index, state);
  }
  const rawDelta = recordAt(raw, 'delta') ?? {};
  const delta: ChunkDelta = {};
  if (rawDelta.role === 'assistant') delta.role = 'assistant';
  if (typeof rawDelta.content === 'string') delta.content = rawDelta.content;
  const reasoning = reasoningOf(rawDelta);
  if (reasoning !== undefined) delta.reasoning_content = reasoning;
  const rawToolCalls = arrayAt(rawDelta, 'tool_calls');
  if (rawToolCalls && rawToolCalls.length > 0)
    delta.tool_calls = convertToolCallDeltas(rawToolCalls, rawDelta, state);

  const finishReason = mapFinishReason(raw.finish_reason);
  if (finishReason !== null) state.finished = true;
  const choice: ChunkChoice = { index, delta, finish_reason: finishReason };
  if (raw.logprobs !== undefined && raw.logprobs !== null) choice.logprobs = raw.logprobs;
  return choice;
}

function convertToolCallDeltas(
  rawCalls: unknown[],
  rawDelta: JsonRecord,
  state: ChoiceState,
): ChunkToolCall[] {
  // A signature on the delta itself belongs to the first call that starts in it (see convert-response).
  let deltaSignature = signatureIn(rawDelta.extra_content);
  return rawCalls.map((raw, position) => {
    if (!isRecord(raw)) throw protocolError('a stream tool call is not an object');
    const index = countAt(raw, 'index') ?? position;
    const fn = recordAt(raw, 'function');
    const call: ChunkToolCall = { index, function: { arguments: argumentsOf(fn?.arguments) } };
    const name = stringAt(fn, 'name');
    if (name !== undefined && name !== '') call.function.name = name;
    if (!state.toolCalls.has(index)) {
      state.toolCalls.add(index);
      const signature = signatureIn(raw.extra_content) ?? deltaSignature;
      deltaSignature = undefined;
      call.id = encodeToolCallId(stringAt(raw, 'id') || newToolCallId(), signature);
      call.type = 'function';
    }
    if (raw.extra_content !== undefined) call.extra_content = raw.extra_content;
    return call;
  });
}
