/**
 * A `type: vertex` provider's settings: `project` and `location` (regional like `us-central1`, or
 * `global`) with a service account (`credentials`: a JSON file's path, or the JSON itself, usually via
 * `${VAR}`) or, without one, Application Default Credentials; or Vertex AI express mode with
 * `api_key`/`api_keys` and no project. `labels` go on every request (Vertex bills and reports by them).
 */
import { Type } from '@sinclair/typebox';
import { ConfigError } from './env-refs.ts';

/** The fields a provider entry may add for Vertex (spread into the provider schema). */
export const VertexProviderFields = {
  project: Type.Optional(Type.String({ minLength: 1 })),
  location: Type.Optional(Type.String({ pattern: '^[a-z0-9-]+$' })),
  credentials: Type.Optional(Type.String({ minLength: 1 })),
  labels: Type.Optional(
    Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,62}$' }), Type.String({ maxLength: 63 })),
  ),
};

export interface ResolvedVertex {
  /** null in express mode. */
  readonly project: string | null;
  /** `global` or a region; null in express mode. */
  readonly location: string | null;
  /** `service_account` (credentials given), `adc` (Application Default Credentials) or `express`. */
  readonly auth: 'service_account' | 'adc' | 'express';
  /** The service account: a file path, or the JSON text itself (starts with `{`). */
  readonly credentials: string | null;
  readonly labels: Readonly<Record<string, string>>;
}

export const DEFAULT_VERTEX_LOCATION = 'global';

interface VertexEntry {
  project?: string;
  location?: string;
  credentials?: string;
  labels?: Record<string, string>;
  api_key?: string;
  api_keys?: unknown[];
}

export function resolveVertex(name: string, entry: VertexEntry): ResolvedVertex {
  const express = entry.api_key !== undefined || entry.api_keys !== undefined;
  const labels = Object.freeze({ ...(entry.labels ?? {}) });
  if (express) {
    if (entry.credentials !== undefined) {
      throw new ConfigError(
        `config providers.${name}: express mode (api_key) and credentials exclude each other`,
      );
    }
    return Object.freeze({ project: null, location: null, auth: 'express', credentials: null, labels });
  }
  if (!entry.project) {
    throw new ConfigError(
      `config providers.${name}: a vertex provider needs project (or api_key for express mode)`,
    );
  }
  return Object.freeze({
    project: entry.project,
    location: entry.location ?? DEFAULT_VERTEX_LOCATION,
    auth: entry.credentials ? 'service_account' : 'adc',
    credentials: entry.credentials ?? null,
    labels,
  });
}

/** Vertex's own host for a location: `{location}-aiplatform.googleapis.com`, or the global one. */
export function vertexBaseUrl(location: string | null): string {
  const host =
    location === null || location === 'global'
      ? 'aiplatform.googleapis.com'
      : `${location}-aiplatform.googleapis.com`;
  return `https://${host}/v1`;
}
