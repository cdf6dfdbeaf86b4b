/**
 * The package's root directory (the one holding package.json), found by walking up from this module, so
 * the same code finds `dist/dashboard` and `package.json` when run from `src/` (tsx, tests) and from the
 * compiled `dist/server/` (`npm start`, the `portico` bin).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  let directory = start;
  for (;;) {
    if (existsSync(join(directory, 'package.json'))) return directory;
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`no package.json in ${start} or any directory above it`);
    directory = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
