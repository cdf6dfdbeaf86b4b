/**
 * `:streamGenerateContent?alt=sse` framing: each event is `data: <GenerateContentResponse>\r\n\r\n`, as
 * Google sends it (no event names, no terminator). A natively forwarded stream writes each upstream
 * chunk as it came. A translated one builds chunks from canonical deltas: text and thoughts at once,
 * function calls whole (Google never splits one) when their choice finishes, and the chunk that carries
 * a finish reason held back until usage is known, so it also carries `usageMetadata`, as Google's last
 * chunk does.
 */
import type { PorticoError } from '../../errors.ts';
import type { ChunkChoice } from '../../openai/response.ts';
import type { RequestContext } from '../../pipeline/context.ts';
import type { Served, StreamFinal } from '../../pipeline/exchange/types.ts';
import type { StreamEncoder } from '../codec.ts';
import {
  finishReason,
  functionCallPart,
  modelVersion,
  responseId,
  usageMetadata,
  type Part,
} from './encode.ts';
import { googleErrorBody } from './errors.ts';

interface PendingCall {
  id?: string;
  name: string;
  arguments: string;
}

function frame(value: unknown): string {
  return `data: ${JSON.stringify(value)}\r\n\r\n`;
}

export class GeminiStreamEncoder implements StreamEncoder {
  readonly #context: RequestContext;
  #served: Served | undefined;
  #native = false;
  /** Tool-call fragments per choice, by their index. */
  readonly #calls = new Map<number, Map<number, PendingCall>>();
  /** Candidates that finished, waiting for usage. */
  #finished: Array<Record<string, unknown>> = [];

  constructor(context: RequestContext) {
    this.#context = context;
  }

  start(served: Served): string {
    this.#served = served;
    return '';
  }

  choices(choices: ChunkChoice[], native?: unknown): string {
    if (native !== undefined) {
      this.#native = true;
      return frame(native);
    }
    const live: Array<Record<string, unknown>> = [];
    for (const choice of choices) {
      const candidate = this.#candidate(choice);
      if (candidate === undefined) continue;
      if (choice.finish_reason !== null) this.#finished.push(candidate);
      else live.push(candidate);
    }
    return live.length > 0 ? frame(this.#chunk(live)) : '';
  }

  finish(final: StreamFinal): string {
    if (this.#native) return '';
    // Calls of a choice that never finished still reach the client, on the last chunk.
    for (const [index, calls] of this.#calls) {
      if (calls.size === 0) continue;
      this.#finished.push({ content: { parts: this.#flushCalls(index), role: 'model' }, index });
    }
    const chunk = this.#chunk(this.#finished);
    chunk.usageMetadata = usageMetadata(final.counts);
    this.#finished = [];
    return frame(chunk);
  }

  fail(error: PorticoError): string {
    return frame(googleErrorBody(error));
  }

  #chunk(candidates: Array<Record<string, unknown>>): Record<string, unknown> {
    const chunk: Record<string, unknown> = { candidates };
    if (this.#served) chunk.modelVersion = modelVersion(this.#served);
    chunk.responseId = responseId(this.#context);
    return chunk;
  }

  #candidate(choice: ChunkChoice): Record<string, unknown> | undefined {
    const { delta } = choice;
    const parts: Part[] = [];
    if (delta.reasoning_content) parts.push({ text: delta.reasoning_content, thought: true });
    if (delta.content) parts.push({ text: delta.content });
    for (const image of delta.images ?? []) {
      const match = /^data:([^;,]+);base64,(.*)$/s.exec(image.image_url.url);
      if (match) parts.push({ inlineData: { mimeType: match[1], data: match[2] } });
    }
    if (delta.audio?.data) {
      parts.push({ inlineData: { mimeType: delta.audio.mime_type ?? 'audio/wav', data: delta.audio.data } });
    }
    for (const fragment of delta.tool_calls ?? []) this.#addCall(choice.index, fragment);
    if (choice.finish_reason === null) {
      return parts.length > 0 ? { content: { parts, role: 'model' }, index: choice.index } : undefined;
    }
    parts.push(...this.#flushCalls(choice.index));
    const candidate: Record<string, unknown> = {
      content: { parts, role: 'model' },
      finishReason: finishReason(choice),
      index: choice.index,
    };
    if (choice.finish_message !== undefined) candidate.finishMessage = choice.finish_message;
    if (choice.grounding_metadata !== undefined) candidate.groundingMetadata = choice.grounding_metadata;
    return candidate;
  }

  #addCall(choice: number, fragment: NonNullable<ChunkChoice['delta']['tool_calls']>[number]): void {
    let calls = this.#calls.get(choice);
    if (calls === undefined) {
      calls = new Map();
      this.#calls.set(choice, calls);
    }
    const existing = calls.get(fragment.index);
    if (existing === undefined) {
      calls.set(fragment.index, {
        id: fragment.id,
        name: fragment.function.name ?? '',
        arguments: fragment.function.arguments,
      });
      return;
    }
    existing.id ??= fragment.id;
    if (fragment.function.name) existing.name ||= fragment.function.name;
    existing.arguments += fragment.function.arguments;
  }

  #flushCalls(choice: number): Part[] {
    const calls = this.#calls.get(choice);
    if (calls === undefined) return [];
    this.#calls.delete(choice);
    return [...calls.entries()]
      .sort(([left], [right]) => left - right)
      .map(([, call]) => functionCallPart(call));
  }
}
