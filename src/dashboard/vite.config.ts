// The dashboard's own build: React + Vite, served by Fastify under /dashboard (src/http/routes/dashboard-static.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/dashboard/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    // No inline scripts or modulepreload polyfill: the CSP is default-src 'self'.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
