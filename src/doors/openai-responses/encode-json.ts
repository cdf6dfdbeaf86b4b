/** A settled canonical answer -> the Responses API `response` object (non-streaming). */
import type { Choice } from '../../openai/response.ts';
import type { RequestContext } from '../../pipeline/context.ts';
import type { Completed, JsonEncoder } from '../../pipeline/exchange/types.ts';
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
  type ResponseStatus,
} from './response-object.ts';

/** Output items in the order a model turn produces them: reasoning, the message, its calls, images. */
export function outputItems(
  choice: Choice | undefined,
  ids: ItemIds,
  view: RequestView,
  status: ResponseStatus,
): JsonObject[] {
  if (!choice) return [];
  const message = choice.message;
  const items: JsonObject[] = [];
  if (message.reasoning_content)
    items.push(reasoningItem(ids.next('rs'), message.reasoning_content, view, true));
  const calls = message.tool_calls ?? [];
  const text = message.content ?? '';
  if (text !== '' || calls.length === 0) {
    const logprobs = (choice.logprobs as { content?: Parameters<typeof logprobsOf>[0] } | undefined)?.content;
    const part = outputText(text, (message.annotations ?? []).map(annotationOf), logprobsOf(logprobs));
    items.push(messageItem(ids.next('msg'), status === 'incomplete' ? 'incomplete' : 'completed', [part]));
  }
  for (const call of calls) {
    items.push(
      functionCallItem(ids.next('fc'), 'completed', {
        callId: call.id,
        name: call.function.name,
        arguments: call.function.arguments,
      }),
    );
  }
  for (const image of message.images ?? []) items.push(imageItem(ids.next('ig'), image.image_url.url));
  return items;
}

export function encodeResponseJson(context: RequestContext): JsonEncoder {
  return (completed: Completed) => {
    const view = requestView(context.rawBody);
    const ids = new ItemIds(context.requestId);
    const choice = completed.choices[0];
    const { status, incomplete_details } = statusOf(choice?.finish_reason);
    const frame = {
      ids,
      view,
      model: completed.served.responseModel,
      createdAt: Math.floor(context.startedAt / 1000),
    };
    return JSON.stringify(
      responseObject(frame, {
        status,
        incomplete_details,
        output: outputItems(choice, ids, view, status),
        usage: usageOf(completed.counts, completed.costMicros),
      }),
    );
  };
}
