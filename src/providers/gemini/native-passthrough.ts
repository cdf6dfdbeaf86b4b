/**
 * Native passthrough (DESIGN.md §10): a request that came in by the Gemini-native door goes to a
 * Gemini-dialect upstream as the client wrote it, instead of being translated twice. Portico sets only
 * what it owns: the model (in the URL, from the deployment; a `model` in the body is removed), the output
 * cap (`generationConfig.maxOutputTokens`, which the credit hold covers exactly) and the endpoint's own
 * fields (Vertex `labels`). The answer is still converted to canonical choices and usage for billing;
 * the upstream's own JSON rides beside it as `native`, for the door to write verbatim.
 */
import type { ProviderRequest, StreamEvent } from '../provider.ts';
import { GeminiStreamTransformer } from './stream-transform.ts';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The request to send for a native Gemini request, or undefined when the request is to be translated. */
export function nativeGeminiBody(
  input: ProviderRequest,
  extras: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> | undefined {
  if (input.native?.dialect !== 'gemini') return undefined;
  const body: Record<string, unknown> = { ...input.native.body };
  delete body.model;
  if (input.maxOutputTokens !== undefined) {
    const config = isObject(body.generationConfig) ? body.generationConfig : {};
    body.generationConfig = { ...config, maxOutputTokens: input.maxOutputTokens };
  }
  return extras ? { ...body, ...extras } : body;
}

/**
 * SSE payloads -> events, each upstream chunk also carried whole as `native` on a `choices` event (an
 * empty one when the chunk held only usage, so the client still receives every chunk).
 */
export async function* nativeGeminiStream(payloads: AsyncIterable<string>): AsyncGenerator<StreamEvent> {
  const transformer = new GeminiStreamTransformer();
  for await (const data of payloads) {
    const events = transformer.push(data);
    if (data === '[DONE]') continue;
    const native: unknown = JSON.parse(data);
    const carrier = events.find((event) => event.type === 'choices');
    if (carrier) carrier.native = native;
    else events.unshift({ type: 'choices', choices: [], native });
    yield* events;
  }
  transformer.finish();
}
