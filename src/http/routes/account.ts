/**
 * The customer API (`/account/*`, DASHBOARD.md §b): the caller's own account, usage, logs, credit ledger
 * and models. The account always comes from the session or the bearer key, never from the URL or the
 * query string, so one customer cannot name another's data (no IDOR).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { accountJson, keyJson } from '../../admin/operations.ts';
import { PorticoError } from '../../errors.ts';
import { extractApiKey, resolveApiKey } from '../../pipeline/authenticate.ts';
import { allowedModels } from '../../pipeline/resolve-model.ts';
import type { Services } from '../../services.ts';
import type { ApiKeyRecord } from '../../store/types.ts';
import type { SessionStore } from '../session-store.ts';
import { creditJson } from './admin-console.ts';
import { modelJson } from './admin-console-status.ts';
import { registerAccountKeyRoutes } from './account-keys.ts';
import { registerPlaygroundRoute } from './account-playground.ts';
import { logCsv, logPage, type LogQueryString } from './dashboard-logs.ts';
import { usageSummary } from './dashboard-usage.ts';

/** Balance under which the overview shows a low-balance banner. */
export const LOW_BALANCE_USD = 5;

export interface Customer {
  accountId: string;
  key: ApiKeyRecord;
  actor: string;
  /** The key itself (server memory only), for the playground's call through `/v1/chat/completions`. */
  secret: string | null;
}

export async function requireCustomer(request: FastifyRequest, services: Services): Promise<Customer> {
  const caller = request.dashboardCaller;
  if (caller?.role === 'admin') {
    throw new PorticoError('admin_forbidden', {
      message: 'The customer API needs a customer session or API key',
    });
  }
  if (caller)
    return { accountId: caller.accountId, key: caller.key, actor: caller.actor, secret: caller.session.key };
  const key = await resolveApiKey({ services, headers: request.headers });
  return {
    accountId: key.accountId,
    key,
    actor: `key:${key.id}`,
    secret: extractApiKey(request.headers) ?? null,
  };
}

export function registerAccountRoutes(
  app: FastifyInstance,
  services: Services,
  sessions: SessionStore,
): void {
  const { store } = services;
  app.register(async (account) => {
    account.decorateRequest('customer', null);
    account.addHook('onRequest', async (request) => {
      request.customer = await requireCustomer(request, services);
    });
    const customerOf = (request: FastifyRequest): Customer => {
      if (!request.customer) throw new PorticoError('authentication_failed');
      return request.customer;
    };

    account.get('/account', async (request) => {
      const { accountId, key } = customerOf(request);
      const record = await store.getAccount(accountId);
      if (!record) throw new PorticoError('authentication_failed');
      return {
        account: accountJson(record),
        key: keyJson(key),
        low_balance: record.balanceMicros / 1_000_000 < LOW_BALANCE_USD,
        low_balance_threshold_usd: LOW_BALANCE_USD,
        top_up_text:
          (await store.getSetting('dashboard_top_up_text')) ?? 'To add credits, contact your provider.',
        currency: 'USD',
      };
    });

    account.get<{ Querystring: LogQueryString }>('/account/usage', async (request) => {
      const { accountId } = customerOf(request);
      const query = request.query;
      return usageSummary(store, {
        filter: {
          accountId,
          keyId: query.key_id || undefined,
          model: query.model || undefined,
          from: query.from || undefined,
          to: query.to || undefined,
        },
        groupBy: query.group_by === 'account' ? 'invalid' : query.group_by || undefined,
        tz: query.tz,
      });
    });

    account.get<{ Querystring: LogQueryString }>('/account/logs', async (request) => {
      const page = await logPage(store, request.query, customerOf(request).accountId);
      return { ...page, data: page.data.map(({ account_id: _omitted, ...row }) => row) };
    });

    account.get<{ Querystring: LogQueryString }>('/account/logs.csv', async (request, reply) => {
      const csv = await logCsv(store, request.query, customerOf(request).accountId);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="portico-logs.csv"')
        .send(csv);
    });

    account.get('/account/ledger', async (request) => {
      const entries = await store.credits(customerOf(request).accountId);
      const data = entries.reverse().map((entry) => {
        const { actor: _operator, ...json } = creditJson(entry);
        return json;
      });
      return { data, currency: 'USD' };
    });

    account.get('/account/models', async (request) => ({
      data: allowedModels(services.config.models, customerOf(request).key)
        .map(modelJson)
        .map(({ deployments: _hidden, ...model }) => model),
      currency: 'USD',
      unit: 'USD per 1M tokens',
    }));

    registerAccountKeyRoutes(account, services, sessions, customerOf);
    registerPlaygroundRoute(account, services, customerOf);
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    customer: Customer | null;
  }
}
