/**
 * The `portico` CLI: thin commands over the same services and operations as the admin API.
 */
import { Command, InvalidArgumentError } from 'commander';
import { accountJson, createKey, keyJson, requireAccount, usdToMicros } from '../admin/operations.ts';
import { loadConfig } from '../config/load-config.ts';
import { createStore } from '../store/index.ts';
import type { Store } from '../store/types.ts';
import { start } from './start.ts';
import { parseGroupBy, summaryRowJson, toCsv, usageRowJson } from '../admin/usage-report.ts';
import { startSimulator } from '../simulator/index.ts';

function number(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new InvalidArgumentError('not a number');
  return parsed;
}

function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('not a non-negative integer');
  return parsed;
}

async function withStore<T>(
  action: (store: Store, models: Readonly<Record<string, unknown>>) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const store = await createStore(config.databaseUrl);
  try {
    await store.migrate();
    return await action(store, config.models);
  } finally {
    await store.close();
  }
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function buildCli(): Command {
  const program = new Command('portico')
    .description('Self-hosted, OpenAI-compatible LLM API gateway')
    .showHelpAfterError();

  program
    .command('start')
    .description('start the gateway')
    .option('--port <port>', 'port (overrides PORTICO_PORT)')
    .option('--host <host>', 'host (overrides PORTICO_HOST)')
    .option(
      '--workers <n>',
      'worker processes sharing the port, for a machine with several cores (more than 1 needs PostgreSQL and Redis)',
      integer,
      1,
    )
    .action(async (options: { port?: string; host?: string; workers: number }) => start(options));

  program
    .command('simulate')
    .description('run the offline upstream simulator (OpenAI and Gemini protocols)')
    .option('--port <port>', 'port', integer, 9999)
    .option('--host <host>', 'host', '127.0.0.1')
    .action(async (options: { port: number; host: string }) => {
      const simulator = await startSimulator({ port: options.port, host: options.host, logAttempts: false });
      process.stdout.write(`simulator listening on ${simulator.url}\n`);
      const stop = () => void simulator.close().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });

  program
    .command('migrate')
    .description('create or upgrade the database schema')
    .action(async () =>
      withStore(async (store) => {
        process.stdout.write(`migrated (${store.dialect})\n`);
      }),
    );

  const accounts = program.command('accounts').description('manage accounts');
  accounts
    .command('create')
    .requiredOption('--name <name>', 'account name')
    .option('--credits <usd>', 'initial credits in USD', number, 0)
    .action(async (options: { name: string; credits: number }) =>
      withStore(async (store) =>
        print(
          accountJson(
            await store.createAccount({
              name: options.name,
              creditsMicros: usdToMicros(options.credits),
              actor: 'cli',
            }),
          ),
        ),
      ),
    );
  accounts
    .command('list')
    .action(async () => withStore(async (store) => print((await store.listAccounts()).map(accountJson))));
  accounts
    .command('credit')
    .argument('<account-id>')
    .requiredOption('--amount <usd>', 'USD to add (negative for a correction)', number)
    .option('--note <note>', 'a note for the ledger')
    .option('--idempotency-key <key>', 'apply at most once for this key')
    .action(async (id: string, options: { amount: number; note?: string; idempotencyKey?: string }) =>
      withStore(async (store) => {
        await requireAccount(store, id);
        const { entry, replayed } = await store.credit({
          accountId: id,
          amountMicros: usdToMicros(options.amount),
          note: options.note ?? null,
          actor: 'cli',
          idempotencyKey: options.idempotencyKey ?? null,
        });
        print({
          replayed,
          amount_usd: entry.amountMicros / 1e6,
          balance_after_usd: entry.balanceAfterMicros / 1e6,
        });
      }),
    );

  const keys = program.command('keys').description('manage API keys');
  keys
    .command('create')
    .requiredOption('--account <id>', 'account id')
    .option('--name <name>', 'key name')
    .option('--models <list>', 'comma-separated model allow-list')
    .option('--rpm <n>', 'requests per minute', integer)
    .option('--tpm <n>', 'tokens per minute', integer)
    .option('--expires-at <time>', 'ISO 8601 expiry')
    .action(
      async (options: {
        account: string;
        name?: string;
        models?: string;
        rpm?: number;
        tpm?: number;
        expiresAt?: string;
      }) =>
        withStore(async (store, models) => {
          const { key, record } = await createKey(
            store,
            {
              account_id: options.account,
              name: options.name ?? null,
              models: options.models
                ? options.models
                    .split(',')
                    .map((model) => model.trim())
                    .filter(Boolean)
                : null,
              rpm: options.rpm ?? null,
              tpm: options.tpm ?? null,
              expires_at: options.expiresAt ?? null,
            },
            models,
          );
          print({ ...keyJson(record), key });
        }),
    );
  keys
    .command('list')
    .option('--account <id>', 'only this account')
    .action(async (options: { account?: string }) =>
      withStore(async (store) => print((await store.listKeys(options.account)).map(keyJson))),
    );
  keys
    .command('revoke')
    .argument('<key-id>')
    .action(async (id: string) =>
      withStore(async (store) => {
        const record = await store.revokeKey(id);
        if (!record) throw new Error(`key ${id} not found`);
        print(keyJson(record));
      }),
    );

  program
    .command('usage')
    .description('show the usage log: one row per upstream attempt, or totals by day, model or key')
    .option('--account <id>')
    .option('--key <id>')
    .option('--model <name>')
    .option('--from <time>')
    .option('--to <time>')
    .option('--group-by <day|model|key>')
    .option('--csv', 'print CSV instead of JSON')
    .option('--limit <n>', 'rows', integer, 50)
    .action(
      async (options: {
        account?: string;
        key?: string;
        model?: string;
        from?: string;
        to?: string;
        groupBy?: string;
        csv?: boolean;
        limit: number;
      }) =>
        withStore(async (store) => {
          const filters = {
            accountId: options.account,
            keyId: options.key,
            model: options.model,
            from: options.from,
            to: options.to,
          };
          const groupBy = parseGroupBy(options.groupBy);
          const rows = groupBy
            ? (await store.usageSummary({ ...filters, groupBy })).map((row) => summaryRowJson(row, groupBy))
            : (await store.ledger({ ...filters, limit: options.limit })).map(usageRowJson);
          if (options.csv) process.stdout.write(toCsv(rows));
          else print(rows);
        }),
    );
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  await buildCli().parseAsync(argv);
}
