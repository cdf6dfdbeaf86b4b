/**
 * Canonical chunk deltas -> the Responses API's streaming events, each `event: <type>` with a `data`
 * object carrying the same `type` and a `sequence_number` from 0: `response.created`,
 * `response.in_progress`, then per output item `response.output_item.added`, its part and delta events
 * (`response.content_part.added`, `response.output_text.delta`, `response.function_call_arguments.delta`,
 * `response.reasoning_summary_part.added`, `response.reasoning_summary_text.delta`, ...), their `.done`
 * events and `response.output_item.done`; finally `response.completed` (or `response.incomplete`) with
 * the whole response and its usage. A stream that fails after it started ends with an `error` event
 * and `response.failed`.
 *
 * Items are opened in the order the deltas arrive (reasoning, then text, then calls), and an item is
 * closed when a delta of another kind (or another call) begins, as a model turn produces them.
 */
import type { PorticoError } from '../../errors.ts';
import type { ChunkChoice, FinishReason } from '../../openai/response.ts';
import type { RequestContext } from '../../pipeline/context.ts';
import type { Served, StreamFinal } from '../../pipeline/exchange/types.ts';
import type { StreamEncoder } from '../codec.ts';
import { responsesErrorCode } from './errors.ts';
import type { JsonObject } from './fields.ts';
import {
  ItemIds,
  annotationOf,
  functionCallItem,
  imageItem,
  logprobsOf,
  messageItem,
  outputText,
  reasoningItem,
  requestView,
  responseObject,
  statusOf,
  usageOf,
  type RequestView,
  type ResponseFrame,
  type ResponseStatus,
} from './response-object.ts';

type OpenItem =
  | { kind: 'reasoning'; id: string; index: number; text: string; partOpen: boolean }
  | {
      kind: 'message';
      id: string;
      index: number;
      text: string;
      annotations: JsonObject[];
      logprobs: JsonObject[];
    }
  | {
      kind: 'call';
      id: string;
      index: number;
      callIndex: number;
      callId: string;
      name: string;
      arguments: string;
    };

export class ResponsesStreamEncoder implements StreamEncoder {
  readonly #context: RequestContext;
  readonly #view: RequestView;
  readonly #ids: ItemIds;
  #frame: ResponseFrame | undefined;
  #sequence = 0;
  #open: OpenItem | undefined;
  /** Finished items, in output order, as `response.completed` repeats them. */
  readonly #output: JsonObject[] = [];
  #finish: FinishReason | null = null;
  #text = '';

  constructor(context: RequestContext) {
    this.#context = context;
    this.#view = requestView(context.rawBody);
    this.#ids = new ItemIds(context.requestId);
  }

  start(served: Served): string {
    this.#frame = {
      ids: this.#ids,
      view: this.#view,
      model: served.responseModel,
      createdAt: Math.floor(this.#context.startedAt / 1000),
    };
    const response = responseObject(this.#frame, { status: 'in_progress', output: [], usage: null });
    return this.#event('response.created', { response }) + this.#event('response.in_progress', { response });
  }

  choices(choices: ChunkChoice[]): string {
    this.#text = '';
    for (const choice of choices) {
      if (choice.index !== 0) continue;
      const delta = choice.delta;
      if (delta.reasoning_content) this.#reasoning(delta.reasoning_content);
      const logprobs = logprobsOf(
        (choice.logprobs as { content?: Parameters<typeof logprobsOf>[0] } | undefined)?.content,
      );
      if (delta.content) this.#content(delta.content, logprobs);
      for (const citation of delta.annotations ?? []) this.#annotation(annotationOf(citation));
      for (const fragment of delta.tool_calls ?? []) {
        this.#call(fragment.index, fragment.id, fragment.function.name, fragment.function.arguments);
      }
      for (const image of delta.images ?? []) {
        this.#close();
        const item = imageItem(this.#ids.next('ig'), image.image_url.url);
        const outputIndex = this.#output.length;
        this.#output.push(item);
        this.#emit('response.output_item.added', {
          output_index: outputIndex,
          item: { ...item, status: 'in_progress', result: null },
        });
        this.#emit('response.output_item.done', { output_index: outputIndex, item });
      }
      if (choice.finish_reason) this.#finish = choice.finish_reason;
    }
    return this.#text;
  }

  finish(final: StreamFinal): string {
    this.#text = '';
    this.#close();
    const { status, incomplete_details } = statusOf(this.#finish);
    const response = responseObject(this.#requireFrame(), {
      status,
      incomplete_details,
      output: this.#output,
      usage: usageOf(final.counts, final.costMicros),
    });
    this.#emit(status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response });
    return this.#text;
  }

  fail(error: PorticoError): string {
    this.#text = '';
    const code = responsesErrorCode(error);
    // OpenAI's own error event nests the error (what its SDKs raise from), then the response fails.
    this.#emit('error', {
      error: { type: code.type, code: code.code, message: error.message, param: error.param ?? null },
    });
    const response = responseObject(this.#requireFrame(), {
      status: 'failed',
      output: this.#output,
      usage: null,
      error: { code: code.code, message: error.message },
    });
    this.#emit('response.failed', { response });
    return this.#text;
  }

  /** The frame `start` made; a failure before `start` still gets one (the model the client asked for). */
  #requireFrame(): ResponseFrame {
    this.#frame ??= {
      ids: this.#ids,
      view: this.#view,
      model: this.#context.body?.model ?? '',
      createdAt: Math.floor(this.#context.startedAt / 1000),
    };
    return this.#frame;
  }

  #event(type: string, fields: JsonObject): string {
    const data = JSON.stringify({ type, sequence_number: this.#sequence++, ...fields });
    return `event: ${type}\ndata: ${data}\n\n`;
  }

  #emit(type: string, fields: JsonObject): void {
    this.#text += this.#event(type, fields);
  }

  #reasoning(text: string): void {
    let item = this.#open;
    if (item?.kind !== 'reasoning') {
      this.#close();
      item = {
        kind: 'reasoning',
        id: this.#ids.next('rs'),
        index: this.#output.length,
        text: '',
        partOpen: false,
      };
      this.#open = item;
      this.#emit('response.output_item.added', {
        output_index: item.index,
        item: reasoningItem(item.id, '', this.#view, false),
      });
    }
    item.text += text;
    if (!this.#view.summaries) return;
    const where = { item_id: item.id, output_index: item.index, summary_index: 0 };
    if (!item.partOpen) {
      item.partOpen = true;
      this.#emit('response.reasoning_summary_part.added', {
        ...where,
        part: { type: 'summary_text', text: '' },
      });
    }
    this.#emit('response.reasoning_summary_text.delta', { ...where, delta: text });
  }

  #message(): Extract<OpenItem, { kind: 'message' }> {
    const open = this.#open;
    if (open?.kind === 'message') return open;
    this.#close();
    const item: Extract<OpenItem, { kind: 'message' }> = {
      kind: 'message',
      id: this.#ids.next('msg'),
      index: this.#output.length,
      text: '',
      annotations: [],
      logprobs: [],
    };
    this.#open = item;
    this.#emit('response.output_item.added', {
      output_index: item.index,
      item: messageItem(item.id, 'in_progress', []),
    });
    this.#emit('response.content_part.added', {
      item_id: item.id,
      output_index: item.index,
      content_index: 0,
      part: outputText('', [], []),
    });
    return item;
  }

  #content(text: string, logprobs: JsonObject[]): void {
    const item = this.#message();
    item.text += text;
    item.logprobs.push(...logprobs);
    this.#emit('response.output_text.delta', {
      item_id: item.id,
      output_index: item.index,
      content_index: 0,
      delta: text,
      logprobs,
    });
  }

  #annotation(annotation: JsonObject): void {
    const item = this.#message();
    item.annotations.push(annotation);
    this.#emit('response.output_text.annotation.added', {
      item_id: item.id,
      output_index: item.index,
      content_index: 0,
      annotation_index: item.annotations.length - 1,
      annotation,
    });
  }

  #call(callIndex: number, callId: string | undefined, name: string | undefined, fragment: string): void {
    let item = this.#open;
    if (item?.kind !== 'call' || item.callIndex !== callIndex) {
      this.#close();
      item = {
        kind: 'call',
        id: this.#ids.next('fc'),
        index: this.#output.length,
        callIndex,
        callId: callId ?? '',
        name: name ?? '',
        arguments: '',
      };
      this.#open = item;
      this.#emit('response.output_item.added', {
        output_index: item.index,
        item: functionCallItem(item.id, 'in_progress', {
          callId: item.callId,
          name: item.name,
          arguments: '',
        }),
      });
    }
    if (!fragment) return;
    item.arguments += fragment;
    this.#emit('response.function_call_arguments.delta', {
      item_id: item.id,
      output_index: item.index,
      delta: fragment,
    });
  }

  /** Ends the open item with its `.done` events; it joins the output list. */
  #close(): void {
    const item = this.#open;
    if (!item) return;
    this.#open = undefined;
    let done: JsonObject;
    switch (item.kind) {
      case 'reasoning': {
        const where = { item_id: item.id, output_index: item.index, summary_index: 0 };
        if (item.partOpen) {
          this.#emit('response.reasoning_summary_text.done', { ...where, text: item.text });
          this.#emit('response.reasoning_summary_part.done', {
            ...where,
            part: { type: 'summary_text', text: item.text },
          });
        }
        done = reasoningItem(item.id, item.text, this.#view, true);
        break;
      }
      case 'message': {
        const where = { item_id: item.id, output_index: item.index, content_index: 0 };
        const part = outputText(item.text, item.annotations, item.logprobs);
        this.#emit('response.output_text.done', { ...where, text: item.text, logprobs: item.logprobs });
        this.#emit('response.content_part.done', { ...where, part });
        const status: ResponseStatus =
          statusOf(this.#finish).status === 'incomplete' ? 'incomplete' : 'completed';
        done = messageItem(item.id, status, [part]);
        break;
      }
      case 'call':
        this.#emit('response.function_call_arguments.done', {
          item_id: item.id,
          output_index: item.index,
          name: item.name,
          arguments: item.arguments,
        });
        done = functionCallItem(item.id, 'completed', {
          callId: item.callId,
          name: item.name,
          arguments: item.arguments,
        });
        break;
      default: {
        const unhandled: never = item;
        return unhandled;
      }
    }
    this.#output.push(done);
    this.#emit('response.output_item.done', { output_index: item.index, item: done });
  }
}
