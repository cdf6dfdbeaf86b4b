/**
 * `/account/keys` (DASHBOARD.md §b, §d): a customer's own keys. Creating one needs the signed-in key
 * re-entered (step-up) and cannot exceed it: the allow-list, RPM, TPM, concurrency and expiry of a new
 * key are at most those of the key that creates it. Disabling sets the expiry to now; deleting revokes,
 * which ends that key's sessions.
 *
 * Re-enabling (issue 17, Medium 4) undoes only the customer's own disabling: the audit entry of that
 * disabling records the expiry it replaced, and the key comes back with that expiry (never later than
 * the calling key's), only if the expiry is still the one the disabling set (the operator did not change
 * it since) and only if the key's models and limits are within the calling key's. A key the operator
 * disabled, or that expired on its own, stays disabled: only the operator can extend it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { createKey, keyJson, updateKey } from '../../admin/operations.ts';
import { PorticoError } from '../../errors.ts';
import { hashKey, hashesEqual } from '../../keys/api-keys.ts';
import type { Services } from '../../services.ts';
import type { ApiKeyRecord } from '../../store/types.ts';
import type { SessionStore } from '../session-store.ts';
import type { Customer } from './account.ts';

const Limits = {
  name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  models: Type.Optional(
    Type.Union([Type.Array(Type.String({ minLength: 1 }), { maxItems: 1000 }), Type.Null()]),
  ),
  rpm: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  tpm: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  max_concurrency: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  expires_at: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
};
const KeyCreate = Type.Object(
  { current_key: Type.String({ minLength: 1, maxLength: 256 }), ...Limits },
  { additionalProperties: false },
);
const KeyPatch = Type.Object(
  { name: Limits.name, disabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

function over(param: string): PorticoError {
  return new PorticoError('invalid_request', {
    message: `${param} cannot exceed the limits of the key you signed in with`,
    param,
  });
}

/** Each limit of the new key, bounded by the parent key's; an unset limit inherits the parent's. */
export function boundedLimits(parent: ApiKeyRecord, body: Static<typeof KeyCreate>) {
  const models = body.models ?? parent.models;
  if (parent.models !== null && models !== null && models.some((model) => !parent.models?.includes(model)))
    throw over('models');
  const limit = (value: number | null | undefined, bound: number | null, param: string) => {
    if (bound === null) return value ?? null;
    if (value !== undefined && value !== null && value > bound) throw over(param);
    return value ?? bound;
  };
  let expiresAt = body.expires_at ?? parent.expiresAt;
  if (parent.expiresAt && expiresAt && Date.parse(expiresAt) > Date.parse(parent.expiresAt))
    throw over('expires_at');
  if (expiresAt && Number.isNaN(Date.parse(expiresAt)))
    throw new PorticoError('invalid_request', {
      message: 'expires_at must be an ISO 8601 time',
      param: 'expires_at',
    });
  if (parent.expiresAt && !expiresAt) expiresAt = parent.expiresAt;
  return {
    models,
    rpm: limit(body.rpm, parent.rpm, 'rpm'),
    tpm: limit(body.tpm, parent.tpm, 'tpm'),
    max_concurrency: limit(body.max_concurrency, parent.maxConcurrency, 'max_concurrency'),
    expires_at: expiresAt,
  };
}

const DISABLE_ACTION = 'customer.key.update';

function isUsableNow(key: ApiKeyRecord): boolean {
  return !key.revokedAt && !(key.expiresAt && Date.parse(key.expiresAt) <= Date.now());
}

function notReenabled(message: string): PorticoError {
  return new PorticoError('admin_forbidden', { message, param: 'disabled' });
}

/** The key's models and limits must be within the calling key's for the caller to turn it back on. */
function withinCaller(parent: ApiKeyRecord, key: ApiKeyRecord): void {
  if (
    parent.models !== null &&
    (key.models === null || key.models.some((model) => !parent.models?.includes(model)))
  )
    throw over('models');
  const check = (value: number | null, bound: number | null, param: string) => {
    if (bound !== null && (value === null || value > bound)) throw over(param);
  };
  check(key.rpm, parent.rpm, 'rpm');
  check(key.tpm, parent.tpm, 'tpm');
  check(key.maxConcurrency, parent.maxConcurrency, 'max_concurrency');
}

function earlier(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

export function registerAccountKeyRoutes(
  app: FastifyInstance,
  services: Services,
  sessions: SessionStore,
  customerOf: (request: FastifyRequest) => Customer,
): void {
  const { store } = services;
  const audit = (
    request: FastifyRequest,
    actor: string,
    action: string,
    target: string,
    detail: Record<string, unknown> = {},
  ) => store.recordAudit({ actor, action, target, detail: { ...detail, ip: request.ip } });

  const ownKey = async (customer: Customer, id: string): Promise<ApiKeyRecord> => {
    const key = await store.getKey(id);
    // Another account's key is "not found", exactly like a key that does not exist.
    if (!key || key.accountId !== customer.accountId)
      throw new PorticoError('resource_not_found', { message: 'Key not found' });
    return key;
  };

  /** The expiry a re-enabled key gets back, or a 403 when the customer may not re-enable it. */
  const reenabledExpiry = async (customer: Customer, key: ApiKeyRecord): Promise<string | null> => {
    if (key.revokedAt) throw notReenabled('A revoked key cannot be re-enabled');
    const entries = await store.auditPage({ target: key.id, action: DISABLE_ACTION, limit: 50 });
    const disabling = entries.find((entry) => typeof entry.detail.disabled_at === 'string');
    if (!disabling || disabling.detail.disabled_at !== key.expiresAt) {
      throw notReenabled(
        'This key was disabled by the operator or has expired; only the operator can re-enable it',
      );
    }
    const previous = (disabling.detail.previous_expires_at as string | null | undefined) ?? null;
    if (previous !== null && Date.parse(previous) <= Date.now()) {
      throw notReenabled('This key has expired; only the operator can extend it');
    }
    withinCaller(customer.key, key);
    return earlier(previous, customer.key.expiresAt);
  };

  app.get('/account/keys', async (request) => {
    const { accountId } = customerOf(request);
    const activity = new Map((await store.keyActivity(accountId)).map((entry) => [entry.keyId, entry]));
    const keys = await store.listKeys(accountId);
    return {
      data: keys.map((key) => ({
        ...keyJson(key),
        last_used_at: activity.get(key.id)?.lastUsedAt ?? null,
        spend_usd: (activity.get(key.id)?.costMicros ?? 0) / 1_000_000,
      })),
      currency: 'USD',
    };
  });

  app.post<{ Body: Static<typeof KeyCreate> }>(
    '/account/keys',
    { schema: { body: KeyCreate } },
    async (request, reply) => {
      const customer = customerOf(request);
      if (!hashesEqual(hashKey(request.body.current_key.trim()), customer.key.hash)) {
        throw new PorticoError('admin_forbidden', {
          message: 'Re-enter the key you signed in with to create a key',
          param: 'current_key',
        });
      }
      const limits = boundedLimits(customer.key, request.body);
      // A customer cannot mint keys without bound (the operator's own key creation is not limited).
      const cap = services.config.hardening.maxKeysPerAccount;
      const live = (await store.listKeys(customer.accountId)).filter(isUsableNow).length;
      if (live >= cap) {
        throw new PorticoError('invalid_request', {
          message: `This account already has ${cap} usable keys (server.max_keys_per_account); revoke one first`,
        });
      }
      const { key, record } = await createKey(
        store,
        { account_id: customer.accountId, name: request.body.name ?? null, ...limits },
        services.config.models,
      );
      await audit(request, customer.actor, 'customer.key.create', record.id, {
        account_id: customer.accountId,
      });
      return reply.code(201).send({ ...keyJson(record), key });
    },
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof KeyPatch> }>(
    '/account/keys/:id',
    { schema: { params: IdParams, body: KeyPatch } },
    async (request) => {
      const customer = customerOf(request);
      const key = await ownKey(customer, request.params.id);
      const patch: { name?: string | null; expires_at?: string | null } = {};
      const detail: Record<string, unknown> = { ...request.body };
      if (request.body.name !== undefined) patch.name = request.body.name;
      // Disabling a key that is already unusable changes nothing (and so cannot launder its expiry).
      if (request.body.disabled === true && isUsableNow(key)) {
        patch.expires_at = new Date().toISOString();
        detail.disabled_at = patch.expires_at;
        detail.previous_expires_at = key.expiresAt;
      }
      if (request.body.disabled === false && !isUsableNow(key)) {
        patch.expires_at = await reenabledExpiry(customer, key);
      }
      const record = await updateKey(store, key.id, patch, services.config.models);
      services.keyCache.invalidate(record.hash);
      if (request.body.disabled === true) sessions.deleteForKey(key.id);
      await audit(request, customer.actor, DISABLE_ACTION, key.id, detail);
      return keyJson(record);
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/account/keys/:id',
    { schema: { params: IdParams } },
    async (request) => {
      const customer = customerOf(request);
      const key = await ownKey(customer, request.params.id);
      const record = await store.revokeKey(key.id);
      if (!record) throw new PorticoError('resource_not_found', { message: 'Key not found' });
      services.keyCache.invalidate(record.hash);
      sessions.deleteForKey(key.id);
      await audit(request, customer.actor, 'customer.key.revoke', key.id);
      return keyJson(record);
    },
  );
}
