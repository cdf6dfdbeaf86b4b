/**
 * Portico in realistic mode: a real key with rate limits on (high rpm/tpm), a durable SQLite ledger in
 * the run's temporary directory, usage logging on; once over an OpenAI-compatible upstream and once
 * through Gemini translation. It runs from the compiled build (dist/server), as `npm start` runs it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chatBody } from '../lib/request-spec.ts';
import { GATEWAY_CORE, freePort, startPinned, waitForHttp } from '../lib/processes.ts';
import { PORTICO_ENTRY, PORTICO_NODE_FLAGS, REPOSITORY_ROOT } from './paths.ts';
import type { RunningTarget, StartContext, TargetDefinition, UpstreamFormat } from './target.ts';

const REQUIRED_FILES = [PORTICO_ENTRY];

function porticoConfig(upstreamOrigin: string): string {
  const pricing = { input: 1, output: 2 };
  // YAML is a superset of JSON, so the config is written as JSON.
  return JSON.stringify(
    {
      // All bench traffic comes from 127.0.0.1: the per-address bound on connections not yet
      // authenticated (a defence against one hostile client) would refuse the load generator itself.
      server: { max_concurrency: 20_000, unauthenticated_connections_per_ip: 1_000_000 },
      providers: {
        'sim-gemini': { type: 'gemini', base_url: `${upstreamOrigin}/v1beta`, api_key: 'x' },
        'sim-openai': { type: 'openai', base_url: `${upstreamOrigin}/v1`, api_key: 'x' },
      },
      models: {
        'bench-openai': {
          deployments: [{ provider: 'sim-openai', model: 'bench' }],
          pricing,
          max_output_tokens: 4096,
        },
        'bench-gemini': {
          deployments: [{ provider: 'sim-gemini', model: 'gemini-3.5-flash' }],
          pricing,
          max_output_tokens: 4096,
          thinking: 'level',
        },
      },
    },
    null,
    2,
  );
}

async function adminPost(
  origin: string,
  adminKey: string,
  path: string,
  body: object,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${origin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

function porticoTarget(format: UpstreamFormat): TargetDefinition {
  const model = format === 'openai' ? 'bench-openai' : 'bench-gemini';
  return {
    name: format === 'openai' ? 'Portico (OpenAI upstream)' : 'Portico (Gemini translation)',
    format,
    isDirect: false,
    unavailable() {
      const missing = REQUIRED_FILES.filter((file) => !existsSync(join(REPOSITORY_ROOT, file)));
      return missing.length === 0 ? undefined : `Portico is not built (missing ${missing.join(', ')})`;
    },
    async start(context: StartContext): Promise<RunningTarget> {
      const port = await freePort();
      const adminKey = `bench-admin-${randomBytes(12).toString('hex')}`;
      const configPath = join(context.workDirectory, 'portico.yaml');
      writeFileSync(configPath, porticoConfig(context.upstreamOrigin));
      const started = startPinned({
        name: `portico-${format}`,
        command: process.execPath,
        args: [...(context.nodeFlags ?? []), ...PORTICO_NODE_FLAGS, PORTICO_ENTRY, 'start'],
        core: GATEWAY_CORE,
        cwd: REPOSITORY_ROOT,
        env: {
          PORTICO_PORT: String(port),
          PORTICO_HOST: '127.0.0.1',
          PORTICO_DATABASE_URL: `sqlite:${join(context.workDirectory, 'bench.db')}`,
          PORTICO_ADMIN_KEY: adminKey,
          PORTICO_LOG_LEVEL: 'warn',
          PORTICO_CONFIG: configPath,
        },
      });
      const origin = `http://127.0.0.1:${port}`;
      try {
        await waitForHttp(`${origin}/health`, started);
        const account = await adminPost(origin, adminKey, '/admin/accounts', {
          name: 'bench',
          credits_usd: 1_000_000,
        });
        const created = await adminPost(origin, adminKey, '/admin/keys', {
          account_id: account.id,
          rpm: 10_000_000,
          tpm: 10_000_000_000,
        });
        if (typeof created.key !== 'string') throw new Error('admin API returned no key');
        const key = created.key;
        return {
          pid: started.pid,
          streamEndMarker: '[DONE]',
          request: (stream: boolean, maxTokens?: number) => ({
            url: `${origin}/v1/chat/completions`,
            headers: { authorization: `Bearer ${key}` },
            body: chatBody(model, stream, maxTokens),
          }),
          stop: started.stop,
        };
      } catch (error) {
        await started.stop();
        throw error;
      }
    },
  };
}

export const porticoOpenAi = porticoTarget('openai');
export const porticoGemini = porticoTarget('gemini');
