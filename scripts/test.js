// The test runner behind `npm test` and `npm run test:quick`: node's own runner (node --test, tsx for
// TypeScript), over three groups of test files.
//
//   node scripts/test.js            every group: parallel, then isolated, then browser
//   node scripts/test.js --quick    the inner loop: unit and contract tests, no browser, no load tests
//   node scripts/test.js --only parallel|isolated|browser [--only ...]
//
// parallel  test/unit, test/contract and the light end-to-end files: several files at a time
//           (--test-concurrency: PORTICO_TEST_CONCURRENCY, or the CPU count, at least 2)
// isolated  every other end-to-end file (load, crash, fault and timing tests): one file at a time with
//           nothing else running, so their bounds measure the gateway and not the other tests
// browser   test/browser (headless Chromium): one file at a time
//
// Files in a new folder under test/ land in `isolated` until they are listed here. Each group is one
// `node --test` run; every group runs even after one fails, and the last line adds up all of them.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
/** End-to-end files that put little load on the machine and have no tight timing bounds. */
const LIGHT_E2E = new Set([
  'test/e2e/chat-completions.test.ts',
  'test/e2e/dashboard-api.test.ts',
  'test/e2e/dashboard-session.test.ts',
]);
const COUNTERS = ['tests', 'pass', 'fail', 'cancelled', 'skipped', 'todo'];

function testFiles(directory) {
  return readdirSync(join(ROOT, directory), { withFileTypes: true })
    .flatMap((entry) => {
      const path = `${directory}/${entry.name}`;
      if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testFiles(path);
      return entry.name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

function groupOf(file) {
  if (file.startsWith('test/browser/')) return 'browser';
  if (file.startsWith('test/unit/') || file.startsWith('test/contract/') || LIGHT_E2E.has(file))
    return 'parallel';
  return 'isolated';
}

function parseArguments(argv) {
  const only = [];
  for (let index = 0; index < argv.length; index++) {
    if (argv[index] === '--quick') only.push('quick');
    else if (argv[index] === '--only') only.push(argv[++index]);
    else throw new Error(`unknown argument ${argv[index]} (use --quick or --only parallel|isolated|browser)`);
  }
  for (const name of only)
    if (!['quick', 'parallel', 'isolated', 'browser'].includes(name))
      throw new Error(`unknown group ${name}`);
  return only;
}

/** Runs one `node --test` over `files`, passing its output through and reading its summary. */
function run(name, files, concurrency) {
  const started = Date.now();
  const args = [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${concurrency}`,
    ...files,
  ];
  process.stdout.write(`\n== ${name}: ${files.length} files, ${concurrency} at a time\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const counts = Object.fromEntries(COUNTERS.map((counter) => [counter, 0]));
    let pending = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        // The spec reporter's summary ("ℹ tests 12"); TAP's ("# tests 12") on runtimes that ignore it.
        const match = /^(?:\u2139|#) (\w+) (\d+)$/.exec(stripVTControlCharacters(line).trim());
        if (match && COUNTERS.includes(match[1])) counts[match[1]] = Number(match[2]);
      }
    });
    child.on('close', (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`== ${name}: exit ${code ?? signal} after ${seconds} s\n`);
      resolve({ name, ok: code === 0, counts, seconds });
    });
  });
}

const only = parseArguments(process.argv.slice(2));
const files = testFiles('test');
const concurrency = Math.max(2, Number(process.env.PORTICO_TEST_CONCURRENCY) || availableParallelism());
const plan = [];
if (only.length === 0 || only.includes('parallel') || only.includes('quick')) {
  const quick = only.includes('quick') && !only.includes('parallel');
  plan.push({
    name: quick ? 'quick (unit, contract)' : 'parallel (unit, contract, light e2e)',
    files: files.filter((file) => groupOf(file) === 'parallel' && !(quick && LIGHT_E2E.has(file))),
    concurrency,
  });
}
for (const group of ['isolated', 'browser'])
  if (only.length === 0 || only.includes(group))
    plan.push({ name: group, files: files.filter((file) => groupOf(file) === group), concurrency: 1 });

const results = [];
for (const step of plan)
  if (step.files.length > 0) results.push(await run(step.name, step.files, step.concurrency));

const total = Object.fromEntries(COUNTERS.map((counter) => [counter, 0]));
for (const result of results) for (const counter of COUNTERS) total[counter] += result.counts[counter];
process.stdout.write('\n');
for (const result of results)
  process.stdout.write(
    `== ${result.name}: ${result.ok ? 'ok' : 'FAILED'}, ${result.counts.tests} tests, ${result.counts.skipped} skipped, ${result.seconds} s\n`,
  );
const failed = results.filter((result) => !result.ok);
if (results.length === 0) {
  process.stdout.write('no test files found\n');
  process.exitCode = 1;
} else if (failed.length > 0) process.exitCode = 1;
// One closing line over every group (failed counts tests that failed or were cancelled).
process.stdout.write(
  `total: ${total.pass} passed, ${total.fail + total.cancelled} failed, ${total.skipped} skipped\n`,
);
