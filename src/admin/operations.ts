/**
 * Admin operations shared by the admin API and the CLI, so both behave the same. Shapes returned here are
 * the public JSON of the admin API (DESIGN.md §5): money in USD (with micro-USD alongside), ISO times.
 */
import { PorticoError } from '../errors.ts';
import { generateApiKey } from '../keys/api-keys.ts';
import type { Account, ApiKeyRecord, KeyPatch, Store } from '../store/types.ts';

export function usdToMicros(amount: number): number {
  return Math.round(amount * 1_000_000);
}

export function accountJson(account: Account) {
  return {
    id: account.id,
    name: account.name,
    status: account.status,
    balance_usd: account.balanceMicros / 1_000_000,
    held_usd: account.heldMicros / 1_000_000,
    balance_micros: account.balanceMicros,
    held_micros: account.heldMicros,
    limits: {
      rpm: account.limits.rpm,
      tpm: account.limits.tpm,
      max_concurrency: account.limits.maxConcurrency,
    },
    created_at: account.createdAt,
  };
}

export function keyJson(key: ApiKeyRecord) {
  return {
    id: key.id,
    account_id: key.accountId,
    name: key.name,
    prefix: key.prefix,
    models: key.models,
    rpm: key.rpm,
    tpm: key.tpm,
    max_concurrency: key.maxConcurrency,
    expires_at: key.expiresAt,
    revoked_at: key.revokedAt,
    created_at: key.createdAt,
    last_used_at: key.lastUsedAt,
  };
}

export interface CreateKeyInput {
  account_id: string;
  name?: string | null;
  models?: string[] | null;
  rpm?: number | null;
  tpm?: number | null;
  max_concurrency?: number | null;
  expires_at?: string | null;
}

export async function requireAccount(store: Store, id: string): Promise<Account> {
  const account = await store.getAccount(id);
  if (!account)
    throw new PorticoError('resource_not_found', {
      message: `Account ${id.slice(0, 64)} not found`,
      param: 'account_id',
    });
  return account;
}

export function checkModels(
  models: string[] | null | undefined,
  known: Readonly<Record<string, unknown>>,
): void {
  for (const model of models ?? []) {
    if (!Object.hasOwn(known, model)) {
      throw new PorticoError('invalid_request', {
        message: `Unknown model '${model.slice(0, 100)}' in models`,
        param: 'models',
      });
    }
  }
}

/** A full ISO 8601 date-time (`2027-01-31T12:00:00Z`, offsets and fractions allowed); `"1"` is not a time. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function checkExpiry(expiresAt: string | null | undefined): void {
  if (expiresAt && (!ISO_DATE_TIME.test(expiresAt) || Number.isNaN(Date.parse(expiresAt)))) {
    throw new PorticoError('invalid_request', {
      message: 'expires_at must be an ISO 8601 time',
      param: 'expires_at',
    });
  }
}

export async function createKey(
  store: Store,
  input: CreateKeyInput,
  knownModels: Readonly<Record<string, unknown>>,
): Promise<{ key: string; record: ApiKeyRecord }> {
  await requireAccount(store, input.account_id);
  checkModels(input.models, knownModels);
  checkExpiry(input.expires_at);
  const generated = generateApiKey();
  const record = await store.createKey({
    accountId: input.account_id,
    name: input.name ?? null,
    prefix: generated.prefix,
    hash: generated.hash,
    models: input.models ?? null,
    rpm: input.rpm ?? null,
    tpm: input.tpm ?? null,
    maxConcurrency: input.max_concurrency ?? null,
    expiresAt: input.expires_at ? new Date(input.expires_at).toISOString() : null,
  });
  return { key: generated.key, record };
}

export async function updateKey(
  store: Store,
  id: string,
  patch: Omit<CreateKeyInput, 'account_id'>,
  knownModels: Readonly<Record<string, unknown>>,
): Promise<ApiKeyRecord> {
  checkModels(patch.models, knownModels);
  checkExpiry(patch.expires_at);
  const update: KeyPatch = {};
  if (patch.name !== undefined) update.name = patch.name;
  if (patch.models !== undefined) update.models = patch.models;
  if (patch.rpm !== undefined) update.rpm = patch.rpm;
  if (patch.tpm !== undefined) update.tpm = patch.tpm;
  if (patch.max_concurrency !== undefined) update.maxConcurrency = patch.max_concurrency;
  if (patch.expires_at !== undefined)
    update.expiresAt = patch.expires_at ? new Date(patch.expires_at).toISOString() : null;
  const record = await store.updateKey(id, update);
  if (!record) throw new PorticoError('resource_not_found', { message: `Key ${id.slice(0, 64)} not found` });
  return record;
}
