/**
 * A provider's upstream credentials: `api_key` (one key) or `api_keys` (a pool), each entry a string or
 * `{ key, label, weight }`. Labels name a key in logs, the ledger and `/admin` (never the secret); an
 * entry without one is `key-<n>` by its position.
 */
import { Type } from '@sinclair/typebox';
import type { PoolKey } from '../routing/key-pool.ts';
import { ConfigError } from './env-refs.ts';

const LABEL = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$';

export const ApiKeysField = Type.Array(
  Type.Union([
    Type.String({ minLength: 1 }),
    Type.Object(
      {
        key: Type.String({ minLength: 1 }),
        label: Type.Optional(Type.String({ pattern: LABEL })),
        weight: Type.Optional(Type.Number({ minimum: 0 })),
      },
      { additionalProperties: false },
    ),
  ]),
  { minItems: 1 },
);

type ApiKeyEntry = string | { key: string; label?: string; weight?: number };

export function resolveProviderKeys(
  provider: string,
  apiKey: string | undefined,
  apiKeys: readonly ApiKeyEntry[] | undefined,
): readonly PoolKey[] {
  if (apiKey !== undefined && apiKeys !== undefined) {
    throw new ConfigError(`config providers.${provider}: give api_key or api_keys, not both`);
  }
  if (apiKeys === undefined) return Object.freeze([{ label: 'key-1', secret: apiKey ?? '', weight: 1 }]);
  const seen = new Set<string>();
  const keys = apiKeys.map((entry, index): PoolKey => {
    const item = typeof entry === 'string' ? { key: entry } : entry;
    const label = item.label ?? `key-${index + 1}`;
    if (seen.has(label)) {
      throw new ConfigError(
        `config providers.${provider}.api_keys[${index}]: label "${label}" is used twice`,
      );
    }
    seen.add(label);
    return Object.freeze({ label, secret: item.key, weight: item.weight ?? 1 });
  });
  if (!keys.some((key) => key.weight > 0)) {
    throw new ConfigError(`config providers.${provider}.api_keys: at least one key needs a weight above 0`);
  }
  return Object.freeze(keys);
}
