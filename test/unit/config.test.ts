import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, SIMULATOR_BASE_URL } from '../../src/config/load-config.ts';

function withFile(content: string, run: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'portico-config-'));
  try {
    const path = join(dir, 'portico.yaml');
    writeFileSync(path, content);
    run(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('no providers and no GEMINI_API_KEY: the catalogue is served by the simulator, labelled simulated', () => {
  const config = loadConfig({ file: {}, env: {} });
  assert.equal(config.usesSimulator, true);
  assert.equal(config.providers.google?.baseUrl, SIMULATOR_BASE_URL);
  assert.ok(config.models['gemini-3.5-flash']);
  assert.equal(config.models['gemini-3.5-flash']?.simulated, true);
  assert.equal(config.port, 8787);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.databaseUrl, 'sqlite:./data/portico.db');
});

test('GEMINI_API_KEY sends the same models to Google', () => {
  const config = loadConfig({ file: {}, env: { GEMINI_API_KEY: 'AIza-test' } });
  assert.equal(config.usesSimulator, false);
  assert.equal(config.providers.google?.baseUrl, 'https://generativelanguage.googleapis.com/v1beta');
  assert.equal(config.models['gemini-3.5-flash']?.simulated, false);
  assert.deepEqual(config.models['gemini-3.5-flash']?.deployments, [
    { provider: 'google', model: 'gemini-3.5-flash', weight: 1 },
  ]);
});

test('${VAR} and ${VAR:-default} references resolve; environment overrides the file', () => {
  withFile(
    `server: { port: 9000, max_body_mb: 2 }
providers:
  local: { type: openai, base_url: "http://\${UPSTREAM_HOST:-127.0.0.1}:8000/v1", api_key: "\${LOCAL_KEY}" }
models:
  m1: { deployments: [{ provider: local }], pricing: { input: 1, output: 2 } }
`,
    (path) => {
      const config = loadConfig({ path, env: { LOCAL_KEY: 'secret', PORTICO_PORT: '9100' } });
      assert.equal(config.providers.local?.baseUrl, 'http://127.0.0.1:8000/v1');
      assert.equal(config.providers.local?.apiKey, 'secret');
      assert.equal(config.port, 9100);
      assert.equal(config.maxBodyBytes, 2 * 1024 * 1024);
      assert.equal(config.models.m1?.pricing.cached_input, 1);
    },
  );
});

test('fails fast, naming the problem', () => {
  withFile(
    'providers:\n  local: { type: openai, base_url: "http://x/v1", api_key: "${MISSING_KEY}" }\n',
    (path) => {
      assert.throws(
        () => loadConfig({ path, env: {} }),
        (error: Error) => error instanceof ConfigError && /MISSING_KEY/.test(error.message),
      );
    },
  );
  withFile('server: { port: "eighty" }\n', (path) => {
    assert.throws(() => loadConfig({ path, env: {} }), /server\.port/);
  });
  withFile('server: { prot: 1 }\n', (path) => {
    assert.throws(() => loadConfig({ path, env: {} }), ConfigError);
  });
  withFile('a: [unclosed\n', (path) => {
    assert.throws(() => loadConfig({ path, env: {} }), /not valid YAML/);
  });
  assert.throws(() => loadConfig({ path: '/nonexistent/portico.yaml', env: {} }), /does not exist/);
  assert.throws(() => loadConfig({ file: {}, env: { PORTICO_PORT: 'abc' } }), /PORTICO_PORT/);
  assert.throws(
    () =>
      loadConfig({
        file: {
          providers: { p: { type: 'openai', base_url: 'http://x' } },
          models: { m: { deployments: [{ provider: 'nope' }], pricing: { input: 1, output: 1 } } },
        },
        env: {},
      }),
    /unknown provider/,
  );
});
