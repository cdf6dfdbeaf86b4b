/**
 * One prompt through Claude Code in print mode (`claude -p`) against Portico's Anthropic Messages door,
 * offline.
 *
 *   npx tsx scripts/claude-code-print.ts ["prompt"]
 *
 * Without PORTICO_URL it starts a gateway in this process (in-memory SQLite, the offline simulator as the
 * upstream, Claude model names mapped to Gemini models by `aliases` as in the README, an account with $10
 * and a key), runs the prompt, then prints Claude Code's JSON result and the ledger rows the run made, and
 * fails unless Claude Code reported success and every row is a settled `anthropic-messages` row. With
 * PORTICO_URL and PORTICO_API_KEY it uses that Portico instead.
 *
 * Claude Code itself: CLAUDE_BIN, or @anthropic-ai/claude-code (pinned below; its Linux binary comes
 * inside a registry package, `@anthropic-ai/claude-code-linux-x64`, and nothing is downloaded at run
 * time) installed once into PORTICO_CLAUDE_DIR (default ~/.cache/portico/claude-code). Its configuration
 * lives in a throw-away CLAUDE_CONFIG_DIR; telemetry, error reports, the auto-updater and other
 * non-essential traffic are switched off, so the only requests it makes go to Portico.
 * PORTICO_CLAUDE_MODEL picks the model Claude Code asks for (default claude-sonnet-4-5);
 * PORTICO_CLAUDE_AUTH=bearer sends the key as ANTHROPIC_AUTH_TOKEN (`Authorization: Bearer`) instead of
 * ANTHROPIC_API_KEY (`x-api-key`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type Gateway } from '../test/helpers/gateway.ts';
import { CLAUDE_ALIASES } from '../test/helpers/claude-aliases.ts';

const CLAUDE_CODE_VERSION = '2.1.332';

function claudeBinary(): string {
  if (process.env.CLAUDE_BIN) return process.env.CLAUDE_BIN;
  const dir = process.env.PORTICO_CLAUDE_DIR ?? join(homedir(), '.cache', 'portico', 'claude-code');
  const bin = join(dir, 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`installing @anthropic-ai/claude-code@${CLAUDE_CODE_VERSION} into ${dir}\n`);
    const install = spawnSync(
      'npm',
      [
        'install',
        '--prefix',
        dir,
        '--no-audit',
        '--no-fund',
        `@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}`,
      ],
      { stdio: 'inherit' },
    );
    if (install.status !== 0) throw new Error('npm install @anthropic-ai/claude-code failed');
  }
  return bin;
}

interface ClaudeResult {
  code: number;
  output: string;
}

function runClaude(bin: string, baseUrl: string, apiKey: string, prompt: string): Promise<ClaudeResult> {
  const config = mkdtempSync(join(tmpdir(), 'portico-claude-'));
  const auth =
    process.env.PORTICO_CLAUDE_AUTH === 'bearer'
      ? { ANTHROPIC_AUTH_TOKEN: apiKey }
      : { ANTHROPIC_API_KEY: apiKey };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...auth,
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_MODEL: process.env.PORTICO_CLAUDE_MODEL ?? 'claude-sonnet-4-5',
    ANTHROPIC_DEFAULT_HAIKU_MODEL: 'claude-haiku-4-5',
    ANTHROPIC_SMALL_FAST_MODEL: 'claude-haiku-4-5',
    CLAUDE_CONFIG_DIR: config,
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
  const child = spawn(bin, ['-p', prompt, '--output-format', 'json'], {
    cwd: config,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      rmSync(config, { recursive: true, force: true });
      resolve({ code: code ?? 1, output });
    });
  });
}

function report(result: ClaudeResult): boolean {
  let parsed: { is_error?: boolean; result?: string; usage?: unknown } | undefined;
  try {
    parsed = JSON.parse(result.output) as typeof parsed;
  } catch {
    process.stdout.write(result.output);
  }
  if (parsed) {
    process.stdout.write(`claude -p result: ${JSON.stringify(parsed.result)}\n`);
    process.stdout.write(`is_error: ${String(parsed.is_error)}; usage: ${JSON.stringify(parsed.usage)}\n`);
  }
  return result.code === 0 && parsed?.is_error === false;
}

async function main(): Promise<number> {
  const prompt = process.argv[2] ?? 'Say hello in one sentence.';
  const bin = claudeBinary();
  if (process.env.PORTICO_URL) {
    const key = process.env.PORTICO_API_KEY;
    if (!key) throw new Error('PORTICO_URL needs PORTICO_API_KEY');
    return report(await runClaude(bin, process.env.PORTICO_URL, key, prompt)) ? 0 : 1;
  }
  const gateway: Gateway = await startGateway({ models: CLAUDE_ALIASES });
  try {
    const { key, accountId } = await gateway.account(10);
    const ok = report(await runClaude(bin, gateway.url, key, prompt));
    const usage = await gateway.admin('GET', `/admin/usage?account_id=${accountId}`);
    const rows = usage.body.data as Array<Record<string, unknown>>;
    process.stdout.write('\nledger rows (newest first):\n');
    for (const row of rows) {
      process.stdout.write(
        `  ${String(row.door)} ${String(row.model)} ${String(row.terminal_state)} stream=${String(row.stream)} ` +
          `prompt=${String(row.prompt_tokens)} completion=${String(row.completion_tokens)} ` +
          `reasoning=${String(row.reasoning_tokens)} cost_usd=${String(row.cost_usd)}\n`,
      );
    }
    const good =
      rows.length > 0 && rows.every((row) => row.door === 'anthropic-messages' && row.state === 'settled');
    if (!good) process.stderr.write('expected settled anthropic-messages ledger rows\n');
    return ok && good ? 0 : 1;
  } finally {
    await gateway.close();
  }
}

process.exitCode = await main();
