#!/usr/bin/env node
// Runs the compiled gateway (dist/server, no TypeScript loader in the process). In a checkout (src/ is
// present) it first builds whatever is missing or older than its sources, as `npm start` does.
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

process.setSourceMapsEnabled(true);
if (existsSync(new URL('../src/main.ts', import.meta.url))) {
  const { build } = await import('../scripts/build.js');
  if (!build({ ifStale: true })) process.exit(1);
}
await import('../dist/server/main.js');
