/** One kind of request sent to a system under test: where, with which headers and which JSON body. */
export interface RequestSpec {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export const DEFAULT_MAX_TOKENS = 16;

export function chatBody(model: string, stream: boolean, maxTokens = DEFAULT_MAX_TOKENS): string {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: maxTokens,
    ...(stream ? { stream: true } : {}),
  });
}
