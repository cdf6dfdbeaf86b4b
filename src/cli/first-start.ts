/** The start-up banner: the generated admin key, and on the very first start a demo account and key. */
import { createKey } from '../admin/operations.ts';
import type { Services } from '../services.ts';

/**
 * When this start generated the admin key, print it once; on the very first start also create a demo
 * account with a little credit and a key, so the printed curl works as is.
 */
export async function printFirstStart(services: Services, base: string): Promise<void> {
  const { config } = services;
  if (!services.generatedAdminKey) return;
  const lines = [
    '',
    '  Portico admin key (shown once, stored only as a hash):',
    `    ${services.generatedAdminKey}`,
    '',
  ];
  if ((await services.store.listAccounts()).length === 0) {
    const account = await services.store.createAccount({
      name: 'demo',
      creditsMicros: 5_000_000,
      actor: 'start',
    });
    const { key } = await createKey(services.store, { account_id: account.id, name: 'demo' }, config.models);
    const model = config.models['gemini-3.5-flash']
      ? 'gemini-3.5-flash'
      : (Object.keys(config.models)[0] ?? 'model');
    lines.push(
      `  Demo account ${account.id} with $5.00 of credits, and its key (shown once):`,
      `    ${key}`,
      '',
      '  Try it:',
      `    curl -s ${base}/v1/chat/completions -H "Authorization: Bearer ${key}" -H 'content-type: application/json' -d '{"model":"${model}","messages":[{"role":"user","content":"Hello"}]}'`,
      '',
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}
