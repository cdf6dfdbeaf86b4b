/**
 * Which endpoint a request is for, by plain string comparison (no regular expressions on the hot path).
 * OpenAI: `POST /v1/chat/completions` or `/chat/completions`. Gemini: `POST {/v1beta,/v1,}/models/
 * {model}:generateContent` and `:streamGenerateContent` (`?alt=sse` for SSE); embeddings: OpenAI
 * `POST /v1/embeddings`, Gemini `:embedContent` and `:batchEmbedContents`. Vertex AI (same dialect):
 * `POST /{v1,v1beta1}/projects/{project}/locations/{location}/publishers/{publisher}/models/{model}:...`
 * and, in express mode, `POST /{v1,v1beta1}/publishers/{publisher}/models/{model}:...`. An OAuth token
 * endpoint: `POST /token`. `GET /v1/models`, `GET /health`.
 */

export interface OpenAIRoute {
  readonly protocol: 'openai';
  readonly path: string;
  /** `POST /v1/embeddings` (embeddings.ts). */
  readonly embeddings?: boolean;
}

export interface GeminiRoute {
  readonly protocol: 'gemini';
  readonly path: string;
  readonly model: string;
  readonly stream: boolean;
  readonly sse: boolean;
  /** A Vertex AI path: its project and location (both null in express mode). */
  readonly vertex?: { readonly project: string | null; readonly location: string | null };
  /** `:embedContent` (single) or `:batchEmbedContents` (batch), served by embeddings.ts. */
  readonly embed?: 'single' | 'batch';
}

const EMBED_METHODS: Readonly<Record<string, 'single' | 'batch'>> = {
  embedContent: 'single',
  batchEmbedContents: 'batch',
};

/** Anthropic Messages: `POST /v1/messages`. */
export interface AnthropicRoute {
  readonly protocol: 'anthropic';
  readonly path: string;
}

/** An endpoint that generates: it is logged as an attempt. */
export type ApiRoute = OpenAIRoute | GeminiRoute | AnthropicRoute;

export type Route =
  ApiRoute | { readonly protocol: 'health' | 'models' | 'token' | 'none'; readonly path: string };

const GEMINI_PREFIXES = ['/v1beta/models/', '/v1/models/', '/models/'];

function geminiRoute(path: string, query: string): Route | null {
  for (const prefix of GEMINI_PREFIXES) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    const colon = rest.lastIndexOf(':');
    if (colon <= 0) return null;
    const method = rest.slice(colon + 1);
    const embed = Object.hasOwn(EMBED_METHODS, method) ? EMBED_METHODS[method] : undefined;
    if (method !== 'generateContent' && method !== 'streamGenerateContent' && !embed) return null;
    let model: string;
    try {
      model = decodeURIComponent(rest.slice(0, colon));
    } catch {
      return null;
    }
    const stream = method === 'streamGenerateContent';
    if (embed) return { protocol: 'gemini', path, model, stream: false, sse: false, embed };
    return { protocol: 'gemini', path, model, stream, sse: stream && query.includes('alt=sse') };
  }
  return null;
}

/** `{method}` of a `.../models/{model}:{method}` tail, or null when it is not one we serve. */
function modelMethod(rest: string): { model: string; stream: boolean } | null {
  const colon = rest.lastIndexOf(':');
  if (colon <= 0) return null;
  const method = rest.slice(colon + 1);
  if (method !== 'generateContent' && method !== 'streamGenerateContent') return null;
  try {
    return { model: decodeURIComponent(rest.slice(0, colon)), stream: method === 'streamGenerateContent' };
  } catch {
    return null;
  }
}

function vertexRoute(path: string, query: string): Route | null {
  const version = path.startsWith('/v1/') ? '/v1/' : path.startsWith('/v1beta1/') ? '/v1beta1/' : null;
  if (version === null) return null;
  const parts = path.slice(version.length).split('/');
  let project: string | null = null;
  let location: string | null = null;
  if (parts[0] === 'projects') {
    if (parts[2] !== 'locations' || !parts[1] || !parts[3]) return null;
    project = parts[1];
    location = parts[3];
    parts.splice(0, 4);
  }
  if (parts[0] !== 'publishers' || !parts[1] || parts[2] !== 'models' || parts.length !== 4) return null;
  const found = modelMethod(parts[3] as string);
  if (!found) return null;
  const sse = found.stream && query.includes('alt=sse');
  return {
    protocol: 'gemini',
    path,
    model: found.model,
    stream: found.stream,
    sse,
    vertex: { project, location },
  };
}

export function route(method: string, url: string): Route {
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  const query = mark < 0 ? '' : url.slice(mark + 1);
  if (method === 'POST') {
    if (path === '/v1/chat/completions' || path === '/chat/completions') return { protocol: 'openai', path };
    if (path === '/v1/embeddings' || path === '/embeddings')
      return { protocol: 'openai', path, embeddings: true };
    if (path === '/token') return { protocol: 'token', path };
    if (path === '/v1/messages' || path === '/messages') return { protocol: 'anthropic', path };
    return geminiRoute(path, query) ?? vertexRoute(path, query) ?? { protocol: 'none', path };
  }
  if (method === 'GET' || method === 'HEAD') {
    if (path === '/health') return { protocol: 'health', path };
    if (path === '/v1/models' || path === '/models') return { protocol: 'models', path };
  }
  return { protocol: 'none', path };
}
