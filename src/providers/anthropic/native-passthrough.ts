/**
 * Native passthrough (DESIGN.md §10): a request that came in by the Anthropic Messages door goes to an
 * Anthropic upstream as the client wrote it, instead of being translated twice (thinking blocks with
 * Claude's signatures, cache_control breakpoints and everything else the dialect carries arrive intact).
 * Portico sets only what it owns: the model (from the deployment), the output cap (`max_tokens`, which
 * the credit hold covers exactly) and `stream`. The answer is still converted to canonical choices and
 * usage for billing; the upstream's own JSON and each of its stream events ride beside as `native`.
 */
import type { ProviderRequest, StreamEvent } from '../provider.ts';

/** The body to send for a native Anthropic request, or undefined when the request is to be translated. */
export function nativeAnthropicBody(
  input: ProviderRequest,
  stream: boolean,
): Record<string, unknown> | undefined {
  if (input.native?.dialect !== 'anthropic') return undefined;
  const body: Record<string, unknown> = { ...input.native.body, model: input.upstreamModel, stream };
  if (input.maxOutputTokens !== undefined) body.max_tokens = input.maxOutputTokens;
  return body;
}

function parseOrText(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}

/**
 * Runs `transform` over the SSE payloads and carries each payload, parsed, as `native` on the first
 * `choices` event it produced; a payload that produced none (`ping`, `content_block_stop`,
 * `message_stop`) gets an empty `choices` event of its own, in order, so the client receives every event.
 */
export async function* withNativeEvents(
  payloads: AsyncIterable<string>,
  transform: (payloads: AsyncIterable<string>) => AsyncGenerator<StreamEvent>,
): AsyncGenerator<StreamEvent> {
  /** Payloads read but not yet carried by an event, oldest first. */
  const waiting: unknown[] = [];
  async function* tee(): AsyncGenerator<string> {
    for await (const data of payloads) {
      // A payload that is not JSON makes the transform throw its protocol error next.
      waiting.push(parseOrText(data));
      yield data;
    }
  }
  for await (const event of transform(tee())) {
    // Older payloads that produced no choices go out first, each as an empty event.
    while (waiting.length > 1) yield { type: 'choices', choices: [], native: waiting.shift() };
    if (event.type === 'choices' && waiting.length === 1) {
      yield { ...event, native: waiting.shift() };
      continue;
    }
    yield event;
  }
  for (const native of waiting) yield { type: 'choices', choices: [], native };
}
