// The production build: the server (tsc, tsconfig.build.json) into dist/server and the dashboard (vite)
// into dist/dashboard. Plain JavaScript, so it runs before anything is compiled.
//
//   node scripts/build.js             build both
//   node scripts/build.js --only server|dashboard
//   node scripts/build.js --if-stale  build only what is missing or older than its sources (npm start,
//                                     the portico bin in a checkout); a failed dashboard build is then
//                                     reported, not fatal (/dashboard says how to build it)
//
// The server is compiled into a temporary directory next to dist/server and swapped in, so a process
// starting while another one builds never loads a half-written tree.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const DIST = join(ROOT, 'dist');
const SERVER_OUT = join(DIST, 'server');
const STAMPS = join(DIST, '.stamps');

/** Newest modification time (ms) of the files under `path` that `include` accepts. */
function newestMtime(path, include) {
  let newest = 0;
  const visit = (current) => {
    const stats = statSync(current);
    if (stats.isDirectory()) {
      for (const entry of readdirSync(current)) visit(join(current, entry));
    } else if (include(current)) {
      newest = Math.max(newest, stats.mtimeMs);
    }
  };
  if (existsSync(path)) visit(path);
  return newest;
}

const DASHBOARD_SOURCES = join(ROOT, 'src', 'dashboard');

const PARTS = {
  server: {
    output: join(SERVER_OUT, 'main.js'),
    sources: () =>
      Math.max(
        newestMtime(join(ROOT, 'src'), (file) => file.endsWith('.ts') && !file.startsWith(DASHBOARD_SOURCES)),
        newestMtime(join(ROOT, 'tsconfig.json'), () => true),
        newestMtime(join(ROOT, 'tsconfig.build.json'), () => true),
      ),
    build: buildServer,
  },
  dashboard: {
    output: join(DIST, 'dashboard', 'index.html'),
    sources: () => newestMtime(DASHBOARD_SOURCES, () => true),
    build: buildDashboard,
  },
};

function stampPath(part) {
  return join(STAMPS, part);
}

/** A part is stale when its output is missing or a source changed after its last build began. */
export function isStale(part) {
  const { output, sources } = PARTS[part];
  if (!existsSync(output) || !existsSync(stampPath(part))) return true;
  return sources() > statSync(stampPath(part)).mtimeMs;
}

function stamp(part, startedAt) {
  mkdirSync(STAMPS, { recursive: true });
  writeFileSync(stampPath(part), '');
  // The stamp carries the time the build started: an edit made during the build still counts as newer.
  utimesSync(stampPath(part), startedAt / 1000, startedAt / 1000);
}

function run(command, args) {
  // The tools' output goes to stderr: the CLI's stdout carries its own answers (JSON, CSV).
  return spawnSync(command, args, { cwd: ROOT, stdio: ['ignore', 2, 2] }).status;
}

// tsc's exit status when it reported type errors but still wrote every output file.
const TSC_ERRORS_OUTPUT_WRITTEN = 2;

/**
 * `npm run build` fails on any type error. When only starting (`ifStale`), type errors with every file
 * still emitted are reported and the JavaScript is used, as the TypeScript loader did before the build.
 */
function buildServer({ ifStale }) {
  const temporary = join(DIST, `.server-${process.pid}`);
  rmSync(temporary, { recursive: true, force: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const status = run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', temporary]);
  const usable = status === 0 || (ifStale && status === TSC_ERRORS_OUTPUT_WRITTEN);
  if (!usable) {
    rmSync(temporary, { recursive: true, force: true });
    return false;
  }
  if (status !== 0)
    process.stderr.write('portico: type errors above; starting with the emitted JavaScript\n');
  const old = join(DIST, `.server-old-${process.pid}`);
  try {
    renameSync(SERVER_OUT, old);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  try {
    renameSync(temporary, SERVER_OUT);
  } catch (error) {
    // Another build swapped its (equally fresh) tree in first: keep that one.
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    rmSync(temporary, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
  return true;
}

function buildDashboard() {
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const status = run(process.execPath, [
    vite,
    'build',
    '--config',
    'src/dashboard/vite.config.ts',
    '--logLevel',
    'warn',
  ]);
  return status === 0;
}

/** Builds the parts that need it; returns false if the server could not be built. */
export function build({ ifStale = false, only = undefined } = {}) {
  let ok = true;
  for (const part of only === undefined ? ['server', 'dashboard'] : [only]) {
    if (ifStale && !isStale(part)) continue;
    process.stderr.write(`portico: building ${part} into dist/\n`);
    const startedAt = Date.now();
    if (PARTS[part].build({ ifStale })) {
      stamp(part, startedAt);
    } else if (part === 'server') {
      process.stderr.write('portico: the server build failed (see the errors above)\n');
      ok = false;
    } else if (ifStale) {
      process.stderr.write('portico: the dashboard build failed; /dashboard will say how to build it\n');
    } else {
      ok = false;
    }
  }
  return ok;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const ifStale = args.includes('--if-stale');
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  if (only !== undefined && !(only in PARTS)) {
    process.stderr.write(`build: --only takes ${Object.keys(PARTS).join(' or ')}\n`);
    process.exit(2);
  }
  process.exit(build({ ifStale, only }) ? 0 : 1);
}
