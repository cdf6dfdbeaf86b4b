/** Builders shared by the openai-compatible tests. */
import type { ChatCompletionRequest } from '../../../../src/openai/request.ts';
import type { ProviderRequest } from '../../../../src/providers/provider.ts';
import type { StreamEvent } from '../../../../src/providers/provider.ts';

export function providerInput(
  request: Partial<ChatCompletionRequest> = {},
  overrides: Partial<ProviderRequest> = {},
): ProviderRequest {
  return {
    request: { model: 'portico-alias', messages: [{ role: 'user', content: 'Hi' }], ...request },
    upstreamModel: 'upstream-model',
    traits: {},
    maxOutputTokens: 100,
    signal: new AbortController().signal,
    requestId: 'req_test',
    ...overrides,
  };
}

export async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const result: StreamEvent[] = [];
  for await (const event of events) result.push(event);
  return result;
}

/** Generated tool-call ids are random; replace them so event sequences compare equal. */
export function withStableIds<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replace(/call_[0-9a-f]{24}/g, 'call_GENERATED')) as T;
}

/** Run `action` and return the error it rejects with (fails when it resolves). */
export async function rejection(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
