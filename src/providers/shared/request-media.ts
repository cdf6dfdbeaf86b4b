/**
 * The request half of the per-request media budget (issue 17, High 3; `server.media`), run by every
 * provider before it converts a request: how many media parts the request carries (inline or by URL)
 * and how large its inline ones are (`data:` URLs, `input_audio.data`, `file.file_data`). The same
 * budget then goes on to the downloads, which charge their bytes as they stream in, so the total covers
 * inline and downloaded media together. A crossed limit is the client's 400, naming the part and the
 * limit; it is raised as an `UpstreamError` (the provider contract) that is never retried.
 */
import type { ChatCompletionRequest } from '../../openai/request.ts';
import { MediaLimitError, mediaKindOf, type MediaBudget } from './media-budget.ts';
import { UpstreamError } from './upstream-error.ts';

/** Decoded size of base64 text: what the upstream body carries for it. */
function base64Bytes(text: string, from = 0): number {
  return Math.floor(((text.length - from) * 3) / 4);
}

function inlineOf(url: string): { mimeType: string; bytes: number } | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  return { mimeType: url.slice(5, comma).split(';')[0] ?? '', bytes: base64Bytes(url, comma + 1) };
}

export function mediaLimitError(message: string, param: string): UpstreamError {
  return new UpstreamError({
    kind: 'status',
    code: 'invalid_request',
    message: `media limit: ${message}`,
    clientMessage: `Media limit: ${message}`,
    param,
  });
}

export function chargeRequestMedia(request: ChatCompletionRequest, budget: MediaBudget): void {
  for (const [index, message] of request.messages.entries()) {
    if (message.role !== 'user' || typeof message.content === 'string') continue;
    for (const [partIndex, part] of message.content.entries()) {
      try {
        if (part.type === 'image_url') {
          budget.admitPart();
          const inline = inlineOf(part.image_url.url);
          if (inline) budget.charge(mediaKindOf(inline.mimeType || 'image/*'), inline.bytes, inline.bytes);
        } else if (part.type === 'input_audio') {
          budget.admitPart();
          const bytes = base64Bytes(part.input_audio.data);
          budget.charge('audio', bytes, bytes);
        } else if (part.type === 'file') {
          budget.admitPart();
          const data = part.file.file_data;
          if (data === undefined) continue;
          const inline = inlineOf(data);
          const bytes = inline?.bytes ?? base64Bytes(data);
          budget.charge(inline ? mediaKindOf(inline.mimeType) : 'file', bytes, bytes);
        }
      } catch (error) {
        if (error instanceof MediaLimitError) {
          throw mediaLimitError(error.message, `messages[${index}].content[${partIndex}]`);
        }
        throw error;
      }
    }
  }
}
