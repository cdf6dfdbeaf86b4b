/** Locations the targets start from, resolved from this file so the bench runs from any directory. */
import { fileURLToPath } from 'node:url';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const TSX_IMPORT = ['--import', 'tsx'];
/** The compiled gateway, run exactly as `npm start` runs it (the bench builds it first when stale). */
export const PORTICO_ENTRY = 'dist/server/main.js';
export const PORTICO_NODE_FLAGS = ['--enable-source-maps'];
