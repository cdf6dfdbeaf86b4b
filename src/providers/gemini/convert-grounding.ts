/**
 * Gemini `groundingMetadata` -> OpenAI `annotations` (`url_citation`). Each grounding support names a
 * segment of the answer and the chunks (sources) backing it; each (segment, chunk) pair becomes one
 * citation with the chunk's uri and title. Gemini counts segment offsets in UTF-8 bytes of the text
 * parts; OpenAI counts characters of `content` (JavaScript string offsets), so offsets are converted
 * through the text spans recorded while building `content` (code-execution blocks interleaved in
 * `content` are skipped over correctly). A support without a usable segment or chunk is skipped; the
 * raw metadata is passed through whole as the `grounding_metadata` extension anyway.
 */
import type { UrlCitation } from '../../openai/response.ts';
import type { TextSpan } from './convert-parts.ts';
import type { GeminiGroundingMetadata } from './gemini-types.ts';

/** Byte offset in Gemini's text -> character offset in `content`; undefined past the known text. */
export function charOffset(spans: readonly TextSpan[], byteOffset: number): number | undefined {
  for (const span of spans) {
    const length = Buffer.byteLength(span.text);
    if (byteOffset < span.byteStart || byteOffset > span.byteStart + length) continue;
    const prefix = Buffer.from(span.text)
      .subarray(0, byteOffset - span.byteStart)
      .toString('utf8');
    return span.charStart + prefix.length;
  }
  return undefined;
}

export function groundingAnnotations(
  metadata: GeminiGroundingMetadata,
  spans: readonly TextSpan[],
): UrlCitation[] {
  const annotations: UrlCitation[] = [];
  for (const support of metadata.supports) {
    // proto3 leaves out zero values: a missing startIndex is 0.
    const start = charOffset(spans, support.segment?.startIndex ?? 0);
    const end =
      support.segment?.endIndex === undefined ? undefined : charOffset(spans, support.segment.endIndex);
    if (start === undefined || end === undefined || end <= start) continue;
    for (const index of support.groundingChunkIndices ?? []) {
      const chunk = metadata.chunks[index];
      if (chunk?.uri === undefined) continue;
      annotations.push({
        type: 'url_citation',
        url_citation: { url: chunk.uri, title: chunk.title ?? '', start_index: start, end_index: end },
      });
    }
  }
  return annotations;
}
