/**
 * The Anthropic Messages door (`POST /v1/messages`): Anthropic's request decoded into the canonical
 * request, answers encoded as Anthropic's `message` object or its stream events, errors in Anthropic's
 * shape. To an Anthropic upstream the client's own body is forwarded and the upstream's own answer and
 * events come back (native passthrough). See docs/decisions/082-door-anthropic-messages.md.
 */
import type { DoorCodec } from '../codec.ts';
import { anthropicErrorReply } from './errors.ts';
import { decodeMessagesRequest, thinkingOmitted } from './request.ts';
import { encodeMessage } from './response.ts';
import { MessageStreamEncoder } from './stream.ts';

export const anthropicMessagesDoor: DoorCodec = {
  name: 'anthropic-messages',
  decode: (raw) => decodeMessagesRequest(raw, false),
  wantsStream: (context) => context.body?.stream === true,
  encodeJson: (context) => {
    const omitThinking = thinkingOmitted(context.rawBody);
    // From an Anthropic upstream (native passthrough) the upstream's own message is the answer.
    return (completed) =>
      completed.native !== undefined
        ? JSON.stringify(completed.native)
        : encodeMessage(context, completed, omitThinking);
  },
  streamEncoder: (context) => new MessageStreamEncoder(context, thinkingOmitted(context.rawBody)),
  errorReply: anthropicErrorReply,
  native: (raw, context) => {
    const beta = context.headers['anthropic-beta'];
    return {
      dialect: 'anthropic',
      body: raw as Record<string, unknown>,
      ...(typeof beta === 'string' ? { headers: { 'anthropic-beta': beta } } : {}),
    };
  },
};

/** `POST /v1/messages/count_tokens`: the same decoding, for a body without `max_tokens`. */
export const anthropicCountTokensDoor: DoorCodec = {
  ...anthropicMessagesDoor,
  decode: (raw) => decodeMessagesRequest(raw, true),
  native: undefined,
};
