/**
 * One process of the multi-process race (spawned by store-race.ts): opens the shared database, waits
 * for "go" on stdin, then holds and settles as fast as it can. Prints a JSON report as its last line.
 */
import { createPostgresStore } from '../../src/store/postgres/index.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';

const [url, schema, accountId, iterationsText, processId] = process.argv.slice(2);
if (!url || schema === undefined || !accountId || !iterationsText || !processId) {
  throw new Error('usage: url schema accountId iterations processId');
}
const iterations = Number(iterationsText);

const store = url.startsWith('postgres')
  ? await createPostgresStore(url, { schema: schema || undefined, maxConnections: 2 })
  : await createSqliteStore(url);
await store.migrate();
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));

const report = { held: 0, refused: 0, charged: 0, errors: [] as string[] };
let seed = processId.split('').reduce((sum, char) => sum + char.charCodeAt(0), 0);
const next = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed;
};

for (let index = 0; index < iterations; index++) {
  const requestId = `${processId}-req-${index}`;
  const amount = 5_000 + (next() % 15_000);
  try {
    const held = await store.hold({
      requestId,
      attempt: 1,
      accountId,
      keyId: 'key_race',
      model: 'gemini-3-flash',
      deployment: 'race',
      amountMicros: amount,
      processId,
    });
    if (!held.ok) {
      report.refused++;
      continue;
    }
    report.held++;
    // Now and then a cost above the hold, which the store must clamp.
    const cost = next() % Math.floor(amount * 1.2);
    const row = await store.settle({
      requestId,
      attempt: 1,
      costMicros: cost,
      tokens: { prompt: 10, cachedPrompt: 0, completion: 10, reasoning: 0, total: 20 },
      usageEstimated: false,
      terminalState: 'ok',
      status: 200,
      priceVersion: 'race',
      latencyMs: 1,
      ttftMs: null,
      stream: false,
    });
    report.charged += row.costMicros;
  } catch (error) {
    report.errors.push(
      error instanceof Error ? `${(error as { code?: string }).code ?? ''} ${error.message}` : String(error),
    );
  }
}

await store.close();
process.stdout.write(`${JSON.stringify(report)}\n`);
