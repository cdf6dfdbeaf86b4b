/**
 * The OpenAI Responses API door (`POST /v1/responses`, ADR 084): the request decodes into the canonical
 * Chat Completions request, the answer encodes as a `response` object or the Responses streaming events,
 * and errors come in OpenAI's error body. Portico stores no responses (no `previous_response_id`, no
 * `GET /v1/responses/{id}`).
 */
import type { DoorCodec } from '../codec.ts';
import { decodeResponsesRequest } from './decode.ts';
import { encodeResponseJson } from './encode-json.ts';
import { responsesErrorReply } from './errors.ts';
import { ResponsesStreamEncoder } from './stream-encoder.ts';

export const openAIResponsesDoor: DoorCodec = {
  name: 'openai-responses',
  decode: (raw) => decodeResponsesRequest(raw),
  wantsStream: (context) => context.body?.stream === true,
  encodeJson: (context) => encodeResponseJson(context),
  streamEncoder: (context) => new ResponsesStreamEncoder(context),
  errorReply: (error) => responsesErrorReply(error),
};
