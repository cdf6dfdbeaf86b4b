/**
 * Serves the built dashboard (`npm run build:dashboard` writes `dist/dashboard`) under `/dashboard`.
 * Hashed assets are cached for a year; every other path gets `index.html` so the SPA's routes survive a
 * reload. Without a build, a plain page says how to make one.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PACKAGE_ROOT } from '../../package-root.ts';

export const DASHBOARD_DIST = join(PACKAGE_ROOT, 'dist', 'dashboard') + sep;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Portico dashboard</title>
<p>The dashboard is not built. Run <code>npm run build:dashboard</code> and reload.</p>`;

async function fileIfExists(path: string): Promise<Buffer | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined;
    return await readFile(path);
  } catch {
    return undefined;
  }
}

async function sendIndex(reply: FastifyReply, root: string) {
  const index = await fileIfExists(join(root, 'index.html'));
  if (!index) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
  return reply.type('text/html; charset=utf-8').send(index);
}

export function registerDashboardStatic(app: FastifyInstance, root: string = DASHBOARD_DIST): void {
  app.get('/', async (_request, reply) => reply.redirect('/dashboard/'));
  app.get('/dashboard', async (_request, reply) => reply.redirect('/dashboard/'));
  app.get<{ Params: { '*': string } }>('/dashboard/*', async (request, reply) => {
    // Fastify has decoded the path once; decoding again turned `%2525zz` into a URIError (500).
    const relative = request.params['*'] ?? '';
    if (relative.startsWith('assets/') || /\.[a-z0-9]+$/i.test(relative)) {
      const path = normalize(join(root, relative));
      if (!path.startsWith(root.endsWith(sep) ? root : root + sep)) return reply.code(404).send();
      const body = await fileIfExists(path);
      if (!body) return reply.code(404).type('text/plain').send('not found');
      if (relative.startsWith('assets/'))
        reply.header('cache-control', 'public, max-age=31536000, immutable');
      return reply.type(TYPES[extname(path)] ?? 'application/octet-stream').send(body);
    }
    return sendIndex(reply, root);
  });
}
