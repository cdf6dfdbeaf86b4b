/**
 * Canonical chunk choices -> Anthropic's stream events, as Anthropic sends them:
 *
 *   message_start (the message shell; usage so far) · ping
 *   content_block_start · content_block_delta (thinking_delta | signature_delta | text_delta |
 *     input_json_delta) · content_block_stop       (one block at a time, indexed from 0)
 *   message_delta (stop_reason and the final usage) · message_stop
 *   error (`{"type":"error","error":{...}}`) when the stream fails after it started
 *
 * On an Anthropic upstream the request went natively and the upstream's own events are written as they
 * came (so `message_start` waits for the first chunk to know which). Otherwise `message_start` can only
 * estimate the prompt (the upstream reports it with the answer); the
 * `message_delta` at the end carries the exact counts, input included, which the Anthropic SDK and the AI
 * SDK both take over the estimate. A thinking block is closed when the next block starts; when that block
 * is a tool call, its signature (Gemini's, from the call's id) is sent as the thinking block's
 * `signature_delta` first.
 */
import type { PorticoError } from '../../errors.ts';
import { estimatePromptTokens } from '../../billing/estimate-usage.ts';
import type { ChunkChoice, FinishReason } from '../../openai/response.ts';
import type { RequestContext } from '../../pipeline/context.ts';
import type { Served, StreamFinal } from '../../pipeline/exchange/types.ts';
import type { StreamEncoder } from '../codec.ts';
import { anthropicErrorBody } from './errors.ts';
import { anthropicUsage, messageId, stopReason } from './response.ts';
import { thinkingSignatureFor } from './signature.ts';

type OpenBlock = { kind: 'thinking' } | { kind: 'text' } | { kind: 'tool'; toolIndex: number };

export function sseEvent(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class MessageStreamEncoder implements StreamEncoder {
  readonly #context: RequestContext;
  readonly #omitThinking: boolean;
  #open: OpenBlock | undefined;
  /** Index of the next block; the open block is `#next - 1`. */
  #next = 0;
  /** Block index per canonical tool-call index. */
  readonly #toolBlocks = new Map<number, number>();
  #finish: FinishReason | null = null;
  #served: Served | undefined;
  #started = false;
  /** The request went natively to an Anthropic upstream: its events are written as they come. */
  #native = false;

  constructor(context: RequestContext, omitThinking: boolean) {
    this.#context = context;
    this.#omitThinking = omitThinking;
  }

  /** Nothing yet: the upstream's own `message_start` goes out instead when the request went natively. */
  start(served: Served): string {
    this.#served = served;
    return '';
  }

  #messageStart(): string {
    if (this.#started) return '';
    this.#started = true;
    const body = this.#context.body;
    const message = {
      id: messageId(this.#context),
      type: 'message',
      role: 'assistant',
      model: this.#served?.responseModel ?? body?.model ?? '',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: body ? estimatePromptTokens(body) : 0,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 0,
      },
    };
    return sseEvent('message_start', { type: 'message_start', message }) + sseEvent('ping', { type: 'ping' });
  }

  choices(choices: ChunkChoice[], native?: unknown): string {
    if (native !== undefined) return this.#nativeEvent(native);
    let out = this.#messageStart();
    for (const choice of choices) {
      if (choice.index !== 0) continue;
      const delta = choice.delta;
      if (delta.reasoning_content) {
        out += this.#ensure({ kind: 'thinking' }, undefined);
        if (!this.#omitThinking)
          out += this.#delta({ type: 'thinking_delta', thinking: delta.reasoning_content });
      }
      if (delta.content) {
        out += this.#ensure({ kind: 'text' }, undefined);
        out += this.#delta({ type: 'text_delta', text: delta.content });
      }
      for (const call of delta.tool_calls ?? []) out += this.#toolCall(call);
      if (choice.finish_reason !== null) this.#finish = choice.finish_reason;
    }
    return out;
  }

  finish(final: StreamFinal): string {
    // A native stream already carried the upstream's message_delta and message_stop.
    if (this.#native) return '';
    const usage = anthropicUsage(final.counts);
    return (
      this.#messageStart() +
      this.#close(undefined) +
      sseEvent('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: stopReason(this.#finish), stop_sequence: null },
        usage,
      }) +
      sseEvent('message_stop', { type: 'message_stop' })
    );
  }

  fail(error: PorticoError): string {
    return sseEvent('error', anthropicErrorBody(error));
  }

  /** The upstream's own event, written as it came (native passthrough to an Anthropic upstream). */
  #nativeEvent(native: unknown): string {
    this.#native = true;
    const type = (native as { type?: unknown } | null)?.type;
    return typeof type === 'string' ? sseEvent(type, native) : '';
  }

  #toolCall(call: NonNullable<ChunkChoice['delta']['tool_calls']>[number]): string {
    let out = '';
    let blockIndex = this.#toolBlocks.get(call.index);
    if (blockIndex === undefined) {
      const id = call.id ?? `toolu_${this.#context.requestId.slice(4)}_${call.index}`;
      out += this.#close(id);
      blockIndex = this.#next++;
      this.#toolBlocks.set(call.index, blockIndex);
      this.#open = { kind: 'tool', toolIndex: call.index };
      out += sseEvent('content_block_start', {
        type: 'content_block_start',
        index: blockIndex,
        content_block: { type: 'tool_use', id, name: call.function.name ?? '', input: {} },
      });
    }
    if (call.function.arguments) {
      out += sseEvent('content_block_delta', {
        type: 'content_block_delta',
        index: blockIndex,
        delta: { type: 'input_json_delta', partial_json: call.function.arguments },
      });
    }
    return out;
  }

  /** Opens a block of this kind unless one is open; `nextToolId` signs a thinking block being closed. */
  #ensure(kind: OpenBlock, nextToolId: string | undefined): string {
    if (this.#open?.kind === kind.kind) return '';
    let out = this.#close(nextToolId);
    const index = this.#next++;
    this.#open = kind;
    const block =
      kind.kind === 'thinking'
        ? { type: 'thinking', thinking: '', signature: '' }
        : { type: 'text', text: '' };
    out += sseEvent('content_block_start', { type: 'content_block_start', index, content_block: block });
    return out;
  }

  #delta(delta: Record<string, unknown>): string {
    return sseEvent('content_block_delta', { type: 'content_block_delta', index: this.#next - 1, delta });
  }

  #close(nextToolId: string | undefined): string {
    const open = this.#open;
    if (open === undefined) return '';
    this.#open = undefined;
    let out = '';
    if (open.kind === 'thinking') {
      const signature = thinkingSignatureFor(nextToolId);
      if (signature !== '') out += this.#delta({ type: 'signature_delta', signature });
    }
    return out + sseEvent('content_block_stop', { type: 'content_block_stop', index: this.#next - 1 });
  }
}
