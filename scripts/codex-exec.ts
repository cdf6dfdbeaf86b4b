/**
 * One prompt through the OpenAI Codex CLI (`codex exec`) against Portico's Responses door, offline.
 *
 *   npx tsx scripts/codex-exec.ts ["prompt"]
 *
 * Without PORTICO_URL it starts a gateway in this process (in-memory SQLite, the offline simulator as the
 * upstream, an account with $10 and a key), runs the prompt, then prints the ledger rows the run made and
 * fails unless every one is a settled `openai-responses` row. With PORTICO_URL and PORTICO_API_KEY it
 * uses that Portico instead. Add `[[sim:tool-call=1]]` to the prompt to make the simulator call one of
 * Codex's tools, so the run also sends a function_call_output back.
 *
 * Codex itself: CODEX_BIN, or @openai/codex (pinned below; its Linux binary comes inside a registry
 * package, nothing is downloaded at run time) installed once into PORTICO_CODEX_DIR
 * (default ~/.cache/portico/codex). Codex's hosted web search and its multi-agent tool namespace are
 * switched off: Portico refuses hosted tools with a 400 naming them (docs/decisions/084).
 * PORTICO_CODEX_MODEL picks the model (default gemini-3.5-flash).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type Gateway } from '../test/helpers/gateway.ts';

const CODEX_VERSION = '0.169.0';

function codexBinary(): string {
  if (process.env.CODEX_BIN) return process.env.CODEX_BIN;
  const dir = process.env.PORTICO_CODEX_DIR ?? join(homedir(), '.cache', 'portico', 'codex');
  const bin = join(dir, 'node_modules', '.bin', 'codex');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`installing @openai/codex@${CODEX_VERSION} into ${dir}\n`);
    const install = spawnSync(
      'npm',
      ['install', '--prefix', dir, '--no-audit', '--no-fund', `@openai/codex@${CODEX_VERSION}`],
      { stdio: 'inherit' },
    );
    if (install.status !== 0) throw new Error('npm install @openai/codex failed');
  }
  return bin;
}

function runCodex(bin: string, baseUrl: string, apiKey: string, prompt: string): Promise<number> {
  const model = process.env.PORTICO_CODEX_MODEL ?? 'gemini-3.5-flash';
  const home = process.env.CODEX_HOME ?? join(homedir(), '.cache', 'portico', 'codex-home');
  mkdirSync(home, { recursive: true });
  const provider = `{name="Portico",base_url="${baseUrl}/v1",env_key="PORTICO_API_KEY",wire_api="responses"}`;
  const args = [
    'exec',
    '--skip-git-repo-check',
    '--model',
    model,
    '--disable',
    'multi_agent',
    '-c',
    'web_search="disabled"',
    '-c',
    'model_provider="portico"',
    '-c',
    `model_providers.portico=${provider}`,
    prompt,
  ];
  const cwd = mkdtempSync(join(home, 'run-'));
  const child = spawn(bin, args, {
    cwd,
    env: { ...process.env, CODEX_HOME: home, PORTICO_API_KEY: apiKey },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      rmSync(cwd, { recursive: true, force: true });
      resolve(code ?? 1);
    });
  });
}

async function main(): Promise<number> {
  const prompt = process.argv[2] ?? 'Say hello in one sentence.';
  const bin = codexBinary();
  if (process.env.PORTICO_URL) {
    const key = process.env.PORTICO_API_KEY;
    if (!key) throw new Error('PORTICO_URL needs PORTICO_API_KEY');
    return runCodex(bin, process.env.PORTICO_URL, key, prompt);
  }
  const gateway: Gateway = await startGateway();
  try {
    const { key, accountId } = await gateway.account(10);
    const code = await runCodex(bin, gateway.url, key, prompt);
    const usage = await gateway.admin('GET', `/admin/usage?account_id=${accountId}`);
    const rows = usage.body.data as Array<Record<string, unknown>>;
    process.stdout.write('\nledger rows (newest first):\n');
    for (const row of rows) {
      process.stdout.write(
        `  ${String(row.door)} ${String(row.model)} ${String(row.terminal_state)} prompt=${String(row.prompt_tokens)} ` +
          `completion=${String(row.completion_tokens)} reasoning=${String(row.reasoning_tokens)} cost_usd=${String(row.cost_usd)}\n`,
      );
    }
    const good =
      rows.length > 0 && rows.every((row) => row.door === 'openai-responses' && row.state === 'settled');
    if (!good) process.stderr.write('expected settled openai-responses ledger rows\n');
    return code === 0 && good ? 0 : 1;
  } finally {
    await gateway.close();
  }
}

process.exitCode = await main();
