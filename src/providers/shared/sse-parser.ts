/**
 * Upstream SSE -> a sequence of `data` payloads. eventsource-parser handles comments, CRLF, multi-line
 * data and events split at any byte; the streaming TextDecoder handles UTF-8 sequences split across
 * chunks.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { classifyTransportError } from './upstream-client.ts';

export async function* parseSseData(
  body: AsyncIterable<Buffer | Uint8Array | string>,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  const pending: string[] = [];
  const parser = createParser({
    onEvent(event: EventSourceMessage) {
      pending.push(event.data);
    },
  });
  const decoder = new TextDecoder('utf-8');
  try {
    for await (const chunk of body) {
      parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
      while (pending.length > 0) yield pending.shift() as string;
    }
  } catch (error) {
    throw classifyTransportError(error, signal);
  }
  const tail = decoder.decode();
  if (tail) parser.feed(tail);
  // A final event without its blank line still counts (some upstreams omit the last terminator).
  parser.feed('\n\n');
  while (pending.length > 0) yield pending.shift() as string;
}
