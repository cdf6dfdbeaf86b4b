/**
 * The admin API (DESIGN.md §5), behind the admin bearer key. A data-plane key gets 403; anything else 401.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import {
  accountJson,
  createKey,
  keyJson,
  requireAccount,
  updateKey,
  usdToMicros,
} from '../../admin/operations.ts';
import { PorticoError } from '../../errors.ts';
import { parseGroupBy, summaryRowJson, toCsv, usageRowJson } from '../../admin/usage-report.ts';
import type { Services } from '../../services.ts';
import { adminGuessesOf, registerAdminScope } from '../admin-auth.ts';

const LimitFields = {
  rpm: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  tpm: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  max_concurrency: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
};
const AccountCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    credits_usd: Type.Optional(Type.Number({ minimum: 0, maximum: 1e9 })),
    ...LimitFields,
  },
  { additionalProperties: false },
);
const AccountLimitsBody = Type.Object(LimitFields, { additionalProperties: false });
const Credit = Type.Object(
  {
    amount_usd: Type.Number({ minimum: -1e9, maximum: 1e9 }),
    note: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const KeyFields = {
  name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  models: Type.Optional(Nullable(Type.Array(Type.String({ minLength: 1 }), { maxItems: 1000 }))),
  rpm: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  tpm: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  max_concurrency: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  expires_at: Type.Optional(Nullable(Type.String({ minLength: 1 }))),
};
const KeyCreate = Type.Object(
  { account_id: Type.String({ minLength: 1 }), ...KeyFields },
  { additionalProperties: false },
);
const KeyPatch = Type.Object(KeyFields, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

const PAGE_DEFAULT = 100;
const PAGE_MAX = 1000;

/**
 * One page of a listing (issue 17: `/admin/keys` and `/admin/accounts` were unbounded): `?limit=` (at
 * most 1000, default 100) items after `?after=<id>`; `next` is the cursor for the following page.
 */
function page<T extends { id: string }>(
  items: readonly T[],
  query: Record<string, string | undefined>,
  json: (item: T) => unknown,
) {
  const limit = query.limit === undefined ? PAGE_DEFAULT : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) {
    throw new PorticoError('invalid_request', { message: `limit must be 1 to ${PAGE_MAX}`, param: 'limit' });
  }
  const start = query.after ? items.findIndex((item) => item.id === query.after) + 1 : 0;
  if (query.after && start === 0) {
    throw new PorticoError('invalid_request', {
      message: 'after is not an id of this listing',
      param: 'after',
    });
  }
  const slice = items.slice(start, start + limit);
  const more = start + limit < items.length;
  return { data: slice.map(json), has_more: more, next: more ? (slice.at(-1)?.id ?? null) : null };
}

export function registerAdminRoutes(app: FastifyInstance, services: Services): void {
  const { store } = services;
  const known = services.config.models;

  const guesses = adminGuessesOf(app);
  app.register(async (admin) => {
    registerAdminScope(admin, services, guesses);

    admin.post<{ Body: Static<typeof AccountCreate> }>(
      '/admin/accounts',
      { schema: { body: AccountCreate } },
      async (request, reply) => {
        const body = request.body;
        let account = await store.createAccount({
          name: body.name,
          creditsMicros: usdToMicros(body.credits_usd ?? 0),
          actor: 'admin',
        });
        if (body.rpm != null || body.tpm != null || body.max_concurrency != null) {
          const limits = {
            rpm: body.rpm ?? null,
            tpm: body.tpm ?? null,
            maxConcurrency: body.max_concurrency ?? null,
          };
          account = (await store.setAccountLimits(account.id, limits)) ?? account;
        }
        return reply.code(201).send(accountJson(account));
      },
    );

    admin.get<{ Querystring: Record<string, string | undefined> }>('/admin/accounts', async (request) =>
      page(await store.listAccounts(), request.query, accountJson),
    );

    admin.get<{ Params: Static<typeof IdParams> }>(
      '/admin/accounts/:id',
      { schema: { params: IdParams } },
      async (request) => accountJson(await requireAccount(store, request.params.id)),
    );

    // Account-wide limits, shared by every key of the account (each key may have tighter ones).
    admin.put<{ Params: Static<typeof IdParams>; Body: Static<typeof AccountLimitsBody> }>(
      '/admin/accounts/:id/limits',
      { schema: { params: IdParams, body: AccountLimitsBody } },
      async (request) => {
        const account = await store.setAccountLimits(request.params.id, {
          rpm: request.body.rpm ?? null,
          tpm: request.body.tpm ?? null,
          maxConcurrency: request.body.max_concurrency ?? null,
        });
        if (!account)
          throw new PorticoError('resource_not_found', { message: `Account ${request.params.id} not found` });
        services.accountCache.invalidate(account.id);
        return accountJson(account);
      },
    );

    admin.post<{ Params: Static<typeof IdParams>; Body: Static<typeof Credit> }>(
      '/admin/accounts/:id/credits',
      { schema: { params: IdParams, body: Credit } },
      async (request, reply) => {
        if (request.body.amount_usd === 0) {
          throw new PorticoError('invalid_request', {
            message: 'amount_usd must not be 0',
            param: 'amount_usd',
          });
        }
        await requireAccount(store, request.params.id);
        const idempotencyKey = request.headers['idempotency-key'];
        const { entry, replayed } = await store.credit({
          accountId: request.params.id,
          amountMicros: usdToMicros(request.body.amount_usd),
          note: request.body.note ?? null,
          actor: 'admin',
          idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : null,
        });
        const account = await requireAccount(store, request.params.id);
        if (replayed) reply.header('idempotent-replayed', 'true');
        return reply.code(replayed ? 200 : 201).send({
          credit: {
            id: entry.id,
            amount_usd: entry.amountMicros / 1_000_000,
            balance_after_usd: entry.balanceAfterMicros / 1_000_000,
            note: entry.note,
            created_at: entry.createdAt,
          },
          account: accountJson(account),
        });
      },
    );

    admin.post<{ Body: Static<typeof KeyCreate> }>(
      '/admin/keys',
      { schema: { body: KeyCreate } },
      async (request, reply) => {
        const { key, record } = await createKey(store, request.body, known);
        return reply.code(201).send({ ...keyJson(record), key });
      },
    );

    admin.get<{ Querystring: Record<string, string | undefined> }>('/admin/keys', async (request) =>
      page(await store.listKeys(request.query.account_id || undefined), request.query, keyJson),
    );

    admin.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof KeyPatch> }>(
      '/admin/keys/:id',
      { schema: { params: IdParams, body: KeyPatch } },
      async (request) => {
        const record = await updateKey(store, request.params.id, request.body, known);
        services.keyCache.invalidate(record.hash);
        return keyJson(record);
      },
    );

    admin.delete<{ Params: Static<typeof IdParams> }>(
      '/admin/keys/:id',
      { schema: { params: IdParams } },
      async (request) => {
        const record = await store.revokeKey(request.params.id);
        if (!record)
          throw new PorticoError('resource_not_found', { message: `Key ${request.params.id} not found` });
        services.keyCache.invalidate(record.hash);
        return keyJson(record);
      },
    );

    admin.get<{ Querystring: Record<string, string | undefined> }>('/admin/usage', async (request, reply) => {
      const query = request.query;
      let groupBy;
      try {
        groupBy = parseGroupBy(query.group_by);
      } catch (error) {
        throw new PorticoError('invalid_request', { message: (error as Error).message, param: 'group_by' });
      }
      for (const name of ['from', 'to'] as const) {
        if (query[name] && Number.isNaN(Date.parse(query[name]))) {
          throw new PorticoError('invalid_request', {
            message: `${name} must be an ISO 8601 time`,
            param: name,
          });
        }
      }
      const filters = {
        accountId: query.account_id || undefined,
        keyId: query.key_id || undefined,
        model: query.model || undefined,
        from: query.from ? new Date(query.from).toISOString() : undefined,
        to: query.to ? new Date(query.to).toISOString() : undefined,
      };
      const data = groupBy
        ? (await store.usageSummary({ ...filters, groupBy })).map((row) => summaryRowJson(row, groupBy))
        : (
            await store.ledger({
              ...filters,
              limit: query.limit ? Math.min(100_000, Number(query.limit) || 1000) : 1000,
            })
          ).map(usageRowJson);
      if (query.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="usage${groupBy ? `-by-${groupBy}` : ''}.csv"`)
          .send(toCsv(data));
      }
      return { data };
    });
  });
}
