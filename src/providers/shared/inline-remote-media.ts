/**
 * Client media URLs in front of an OpenAI-compatible upstream (issue 17, Medium 5). vLLM, Ollama and
 * llama.cpp fetch an `image_url` themselves, from inside the operator's network, with no SSRF guard.
 * So Portico never forwards a remote URL: an `http(s)` URL is downloaded through the guarded fetcher
 * (public addresses only, redirects re-checked, the request's media budget charged as it streams) and
 * sent inline as a `data:` URL; any other scheme (`file:`, `gopher:`, ...) is refused with a 400 naming
 * the part. Inline `data:` media pass as they are.
 */
import type { ChatCompletionRequest, ChatMessage } from '../../openai/request.ts';
import { MediaFetchError, type MediaFetcher } from './guarded-fetch.ts';
import type { MediaBudget } from './media-budget.ts';
import { UpstreamError } from './upstream-error.ts';

/** A 400 for the client, in the provider contract's error type; never retried. */
function refused(message: string, param: string): UpstreamError {
  return new UpstreamError({
    kind: 'status',
    code: 'invalid_request',
    message: `media URL refused: ${message}`,
    clientMessage: message,
    param,
  });
}

function schemeOf(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url.trim());
  return match?.[1]?.toLowerCase() ?? '';
}

async function inlineUrl(
  url: string,
  param: string,
  fetchMedia: MediaFetcher,
  signal: AbortSignal,
  budget: MediaBudget,
): Promise<string> {
  const scheme = schemeOf(url);
  if (scheme === 'data') return url;
  if (scheme !== 'http' && scheme !== 'https') {
    throw refused(
      `only data:, http: and https: URLs are accepted, not '${scheme || url.slice(0, 16)}'`,
      param,
    );
  }
  try {
    const media = await fetchMedia(url, signal, budget);
    return `data:${media.mimeType};base64,${media.data.toString('base64')}`;
  } catch (error) {
    if (error instanceof MediaFetchError) throw refused(error.message, param);
    throw error;
  }
}

/** The request with every remote media URL replaced by its inline content (or a refusal). */
export async function inlineRemoteMedia(
  request: ChatCompletionRequest,
  fetchMedia: MediaFetcher,
  signal: AbortSignal,
  budget: MediaBudget,
): Promise<ChatCompletionRequest> {
  let changed = false;
  const messages: ChatMessage[] = [];
  for (const [index, message] of request.messages.entries()) {
    if (message.role !== 'user' || typeof message.content === 'string') {
      messages.push(message);
      continue;
    }
    const content = [];
    for (const [partIndex, part] of message.content.entries()) {
      const param = `messages[${index}].content[${partIndex}]`;
      if (part.type === 'image_url' && schemeOf(part.image_url.url) !== 'data') {
        const url = await inlineUrl(part.image_url.url, `${param}.image_url.url`, fetchMedia, signal, budget);
        content.push({ ...part, image_url: { ...part.image_url, url } });
        changed = true;
      } else if (
        part.type === 'file' &&
        part.file.file_data !== undefined &&
        /^[a-z][a-z0-9+.-]*:/i.test(part.file.file_data) &&
        schemeOf(part.file.file_data) !== 'data'
      ) {
        // file_data is inline content (base64 or a data: URL); a URL here is never fetched upstream.
        throw refused('file_data must be inline (base64 or a data: URL)', `${param}.file.file_data`);
      } else content.push(part);
    }
    messages.push({ ...message, content });
  }
  return changed ? { ...request, messages } : request;
}
