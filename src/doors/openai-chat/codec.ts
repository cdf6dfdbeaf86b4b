/**
 * The OpenAI Chat Completions door (the seed's contract): the canonical request is this dialect, so
 * decoding is validation and encoding is the seed's `chat.completion` / `chat.completion.chunk` shapes.
 * Errors are the seed's body.
 */
import { errorHeaders } from '../../http/error-response.ts';
import { toUsage, type ChatCompletion, type ChunkChoice } from '../../openai/response.ts';
import { validateChatRequestYielding } from '../../pipeline/validate-request.ts';
import type { RequestContext } from '../../pipeline/context.ts';
import type { Completed, Served, StreamFinal } from '../../pipeline/exchange/types.ts';
import type { PorticoError } from '../../errors.ts';
import { streamErrorBody } from '../../http/error-response.ts';
import type { DoorCodec, StreamEncoder } from '../codec.ts';

export function usd(micros: number): number {
  return micros / 1_000_000;
}

function completionId(context: RequestContext): string {
  return `chatcmpl-${context.requestId.slice(4)}`;
}

class ChunkEncoder implements StreamEncoder {
  readonly #context: RequestContext;
  readonly #includeUsage: boolean;
  #prefix = '';
  #suffix = '';

  constructor(context: RequestContext) {
    this.#context = context;
    this.#includeUsage = context.body?.stream_options?.include_usage === true;
  }

  start(served: Served): string {
    const created = Math.floor(Date.now() / 1000);
    this.#prefix = `{"id":"${completionId(this.#context)}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(served.responseModel)},"choices":`;
    this.#suffix = this.#includeUsage ? ',"usage":null}' : '}';
    return '';
  }

  choices(choices: ChunkChoice[]): string {
    return `data: ${this.#prefix}${JSON.stringify(choices)}${this.#suffix}\n\n`;
  }

  finish(final: StreamFinal): string {
    const usage = this.#includeUsage
      ? `data: ${this.#prefix}[],"usage":${JSON.stringify({ ...toUsage(final.counts), cost: usd(final.costMicros) })}}\n\n`
      : '';
    return `${usage}data: [DONE]\n\n`;
  }

  fail(error: PorticoError): string {
    return `data: ${JSON.stringify(streamErrorBody(error))}\n\n`;
  }
}

export const openAIChatDoor: DoorCodec = {
  name: 'openai-chat',
  decode: (raw) => validateChatRequestYielding(raw),
  wantsStream: (context) => context.body?.stream === true,
  encodeJson: (context) => (completed: Completed) => {
    const body: ChatCompletion = {
      id: completionId(context),
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: completed.served.responseModel,
      choices: completed.choices,
      usage: { ...toUsage(completed.counts), cost: usd(completed.costMicros) },
    };
    return JSON.stringify(body);
  },
  streamEncoder: (context) => new ChunkEncoder(context),
  errorReply: (error) => ({ status: error.status, headers: errorHeaders(error), body: error.toBody() }),
};
