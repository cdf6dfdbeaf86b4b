/**
 * Where Vertex AI keeps a model and how a call authenticates, for the Gemini provider (Vertex speaks the
 * same `generateContent` dialect). Paths, under `https://{location}-aiplatform.googleapis.com/v1` (or
 * the global host for `global` and express mode):
 * - `/projects/{project}/locations/{location}/publishers/google/models/{model}` for a bare model id;
 * - `/projects/{project}/locations/{location}/{path}` for `publishers/{publisher}/models/{model}`;
 * - `/{path}` for a full `projects/...` resource (a tuned model's endpoint);
 * - express mode: `/publishers/google/models/{model}`, with the API key in `x-goog-api-key`.
 */
import type { ResolvedVertex } from '../../config/provider-vertex.ts';
import type { KeyLease } from '../../routing/key-pool.ts';
import type { GeminiEndpoint } from '../gemini/gemini-provider.ts';
import type { VertexTokenSource } from './token-source.ts';

function encodePath(path: string): string {
  return path
    .split('/')
    .filter((segment) => segment.length > 0)
    .map(encodeURIComponent)
    .join('/');
}

export function vertexModelPath(vertex: ResolvedVertex, model: string): string {
  if (model.startsWith('projects/')) return `/${encodePath(model)}`;
  const resource = model.includes('/') ? model : `publishers/google/models/${model}`;
  const scope =
    vertex.project === null || vertex.location === null
      ? ''
      : `/projects/${encodeURIComponent(vertex.project)}/locations/${encodeURIComponent(vertex.location)}`;
  return `${scope}/${encodePath(resource)}`;
}

export function vertexEndpoint(
  vertex: ResolvedVertex,
  tokens: VertexTokenSource | undefined,
): GeminiEndpoint {
  const labels = Object.keys(vertex.labels).length > 0 ? { labels: vertex.labels } : undefined;
  return {
    modelPath: (model: string) => vertexModelPath(vertex, model),
    credentialHeaders: (key: KeyLease) => {
      if (vertex.auth === 'express' || !tokens) return { 'x-goog-api-key': key.secret };
      return tokens.headers();
    },
    ...(labels ? { bodyExtras: labels } : {}),
    close: () => tokens?.close(),
  };
}
