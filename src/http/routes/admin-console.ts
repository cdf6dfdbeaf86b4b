/**
 * The admin endpoints the console needs beyond DESIGN.md §5 (DASHBOARD.md §b, marked NEW): logs and
 * their CSV, an account's credit ledger, account edits, key rotation and activity, models with prices,
 * the audit log, status, and usage summaries in a time zone. Bearer admin key or an operator session.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { adminGuessesOf, registerAdminScope, requireAdmin } from '../admin-auth.ts';
import { Type, type Static } from '@sinclair/typebox';
import { accountJson, createKey, keyJson, requireAccount } from '../../admin/operations.ts';
import { PorticoError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import type { SessionStore } from '../session-store.ts';
import { dashboardLoginSetting } from './dashboard-session.ts';
import { logCsv, logPage, type LogQueryString } from './dashboard-logs.ts';
import { adminStatus, modelJson } from './admin-console-status.ts';
import { registerUpstreamKeyRoutes } from './admin-upstream-keys.ts';
import { usageSummary } from './dashboard-usage.ts';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const AccountPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('suspended')])),
    dashboard_login: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export { requireAdmin };

export function registerAdminConsoleRoutes(
  app: FastifyInstance,
  services: Services,
  sessions: SessionStore,
): void {
  const { store } = services;
  const audit = (request: FastifyRequest, action: string, target: string, detail: Record<string, unknown>) =>
    store.recordAudit({ actor: 'admin', action, target, detail: { ...detail, ip: request.ip } });

  const guesses = adminGuessesOf(app);
  app.register(async (admin) => {
    registerAdminScope(admin, services, guesses);

    admin.get<{ Querystring: LogQueryString }>('/admin/logs', async (request) =>
      logPage(store, request.query, request.query.account_id || undefined),
    );

    admin.get<{ Querystring: LogQueryString }>('/admin/logs.csv', async (request, reply) => {
      const csv = await logCsv(store, request.query, request.query.account_id || undefined);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="portico-logs.csv"')
        .send(csv);
    });

    admin.get<{ Querystring: LogQueryString }>('/admin/usage/summary', async (request) => {
      const query = request.query;
      return usageSummary(store, {
        filter: {
          accountId: query.account_id || undefined,
          keyId: query.key_id || undefined,
          model: query.model || undefined,
          from: query.from || undefined,
          to: query.to || undefined,
        },
        groupBy: query.group_by || undefined,
        tz: query.tz,
      });
    });

    admin.get<{ Params: Static<typeof IdParams> }>(
      '/admin/accounts/:id/ledger',
      { schema: { params: IdParams } },
      async (request) => {
        await requireAccount(store, request.params.id);
        const entries = await store.credits(request.params.id);
        return { data: entries.reverse().map(creditJson), currency: 'USD' };
      },
    );

    admin.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof AccountPatch> }>(
      '/admin/accounts/:id',
      { schema: { params: IdParams, body: AccountPatch } },
      async (request) => {
        const { id } = request.params;
        await requireAccount(store, id);
        const body = request.body;
        if (body.name !== undefined) await store.renameAccount(id, body.name);
        if (body.status !== undefined) {
          await store.setAccountStatus(id, body.status);
          services.accountCache.invalidate(id);
        }
        if (body.dashboard_login !== undefined) {
          await store.setSetting(dashboardLoginSetting(id), body.dashboard_login ? 'on' : 'off');
          await audit(request, 'account.dashboard_login', id, { enabled: body.dashboard_login });
        }
        return accountDetail(services, id);
      },
    );

    admin.get('/admin/keys/activity', async () => ({
      data: (await store.keyActivity()).map((entry) => ({
        key_id: entry.keyId,
        last_used_at: entry.lastUsedAt,
        requests: entry.requests,
        spend_usd: entry.costMicros / 1_000_000,
      })),
      currency: 'USD',
    }));

    admin.post<{ Params: Static<typeof IdParams> }>(
      '/admin/keys/:id/rotate',
      { schema: { params: IdParams } },
      async (request, reply) => {
        const old = await store.getKey(request.params.id);
        if (!old || old.revokedAt)
          throw new PorticoError('resource_not_found', {
            message: `Key ${request.params.id.slice(0, 64)} not found`,
          });
        const { key, record } = await createKey(
          store,
          {
            account_id: old.accountId,
            name: old.name,
            models: old.models,
            rpm: old.rpm,
            tpm: old.tpm,
            max_concurrency: old.maxConcurrency,
            expires_at: old.expiresAt && Date.parse(old.expiresAt) > Date.now() ? old.expiresAt : null,
          },
          services.config.models,
        );
        await store.revokeKey(old.id);
        services.keyCache.invalidate(old.hash);
        sessions.deleteForKey(old.id);
        await audit(request, 'key.rotate', old.id, { new_key_id: record.id });
        return reply.code(201).send({ ...keyJson(record), key, replaces: old.id });
      },
    );

    admin.get('/admin/models', async () => ({
      data: Object.values(services.config.models).map(modelJson),
      currency: 'USD',
      unit: 'USD per 1M tokens',
    }));

    admin.get<{ Querystring: LogQueryString }>('/admin/audit', async (request) => {
      const query = request.query;
      const limit = Math.max(1, Math.min(500, Number(query.limit) || 100));
      const before = query.cursor ? decodeAuditCursor(query.cursor) : undefined;
      const rows = await store.auditPage({
        action: query.action || undefined,
        actor: query.actor || undefined,
        target: query.target || undefined,
        before,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        data: page.map((entry) => ({
          id: entry.id,
          actor: entry.actor,
          action: entry.action,
          target: entry.target,
          detail: entry.detail,
          created_at: entry.createdAt,
        })),
        next_cursor:
          rows.length > limit && last
            ? Buffer.from(`${last.createdAt}|${last.id}`).toString('base64url')
            : null,
      };
    });

    admin.get('/admin/status', async () => adminStatus(services));
    registerUpstreamKeyRoutes(admin, services);
  });
}

function decodeAuditCursor(value: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  if (!createdAt || !id)
    throw new PorticoError('invalid_request', { message: 'cursor is not valid', param: 'cursor' });
  return { createdAt, id };
}

export function creditJson(entry: {
  id: string;
  amountMicros: number;
  balanceAfterMicros: number;
  note: string | null;
  actor: string;
  createdAt: string;
}) {
  return {
    id: entry.id,
    amount_usd: entry.amountMicros / 1_000_000,
    balance_after_usd: entry.balanceAfterMicros / 1_000_000,
    note: entry.note,
    actor: entry.actor,
    created_at: entry.createdAt,
  };
}

async function accountDetail(services: Services, id: string) {
  const account = await requireAccount(services.store, id);
  const login = await services.store.getSetting(dashboardLoginSetting(id));
  return { ...accountJson(account), dashboard_login: login !== 'off' };
}
