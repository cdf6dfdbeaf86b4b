/**
 * Which endpoint a request is for, by plain string comparison (no regular expressions on the hot path).
 * OpenAI: `POST /v1/chat/completions` or `/chat/completions`. Gemini: `POST {/v1beta,/v1,}/models/
 * {model}:generateContent` and `:streamGenerateContent` (`?alt=sse` for SSE). `GET /v1/models`,
 * `GET /health`.
 */

export interface OpenAIRoute {
  readonly protocol: 'openai';
  readonly path: string;
}

export interface GeminiRoute {
  readonly protocol: 'gemini';
  readonly path: string;
  readonly model: string;
  readonly stream: boolean;
  readonly sse: boolean;
}

/** An endpoint that generates: it is logged as an attempt. */
export type ApiRoute = OpenAIRoute | GeminiRoute;

export type Route = ApiRoute | { readonly protocol: 'health' | 'models' | 'none'; readonly path: string };

const GEMINI_PREFIXES = ['/v1beta/models/', '/v1/models/', '/models/'];

function geminiRoute(path: string, query: string): Route | null {
  for (const prefix of GEMINI_PREFIXES) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    const colon = rest.lastIndexOf(':');
    if (colon <= 0) return null;
    const method = rest.slice(colon + 1);
    if (method !== 'generateContent' && method !== 'streamGenerateContent') return null;
    let model: string;
    try {
      model = decodeURIComponent(rest.slice(0, colon));
    } catch {
      return null;
    }
    const stream = method === 'streamGenerateContent';
    return { protocol: 'gemini', path, model, stream, sse: stream && query.includes('alt=sse') };
  }
  return null;
}

export function route(method: string, url: string): Route {
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  const query = mark < 0 ? '' : url.slice(mark + 1);
  if (method === 'POST') {
    if (path === '/v1/chat/completions' || path === '/chat/completions') return { protocol: 'openai', path };
    return geminiRoute(path, query) ?? { protocol: 'none', path };
  }
  if (method === 'GET' || method === 'HEAD') {
    if (path === '/health') return { protocol: 'health', path };
    if (path === '/v1/models' || path === '/models') return { protocol: 'models', path };
  }
  return { protocol: 'none', path };
}
