/** Vertex provider config and URL building: regional and global hosts, publisher paths, express mode. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load-config.ts';
import { resolveVertex, vertexBaseUrl } from '../../../src/config/provider-vertex.ts';
import { vertexModelPath } from '../../../src/providers/vertex/vertex-endpoint.ts';

const models = {
  m: { deployments: [{ provider: 'vx', model: 'gemini-2.5-flash' }], pricing: { input: 1, output: 2 } },
};

describe('vertex urls', () => {
  it('builds regional, global and express hosts', () => {
    assert.equal(vertexBaseUrl('us-central1'), 'https://us-central1-aiplatform.googleapis.com/v1');
    assert.equal(vertexBaseUrl('europe-west4'), 'https://europe-west4-aiplatform.googleapis.com/v1');
    assert.equal(vertexBaseUrl('global'), 'https://aiplatform.googleapis.com/v1');
    assert.equal(vertexBaseUrl(null), 'https://aiplatform.googleapis.com/v1');
  });

  it('builds publisher model paths, keeps full resource paths, and drops the scope in express mode', () => {
    const regional = resolveVertex('vx', { project: 'proj-1', location: 'us-east5' });
    assert.equal(
      vertexModelPath(regional, 'gemini-2.5-flash'),
      '/projects/proj-1/locations/us-east5/publishers/google/models/gemini-2.5-flash',
    );
    assert.equal(
      vertexModelPath(regional, 'publishers/google/models/gemini-2.5-pro'),
      '/projects/proj-1/locations/us-east5/publishers/google/models/gemini-2.5-pro',
    );
    assert.equal(
      vertexModelPath(regional, 'projects/proj-2/locations/us-east5/endpoints/123'),
      '/projects/proj-2/locations/us-east5/endpoints/123',
    );
    const express = resolveVertex('vx', { api_key: 'k' });
    assert.equal(vertexModelPath(express, 'gemini-2.5-flash'), '/publishers/google/models/gemini-2.5-flash');
  });
});

describe('vertex config', () => {
  it('resolves project, location (default global), inline credentials from ${VAR}, labels', () => {
    const config = loadConfig({
      env: { SA_JSON: '{"client_email":"a@b","private_key":"x"}' },
      file: {
        providers: {
          vx: {
            type: 'vertex',
            project: 'proj-1',
            location: 'europe-west4',
            credentials: '${SA_JSON}',
            labels: { team: 'core' },
          },
          vg: { type: 'vertex', project: 'proj-1' },
        },
        models,
      },
    });
    const vx = config.providers.vx;
    assert.equal(vx?.type, 'vertex');
    assert.equal(vx?.baseUrl, 'https://europe-west4-aiplatform.googleapis.com/v1');
    assert.deepEqual(vx?.vertex, {
      project: 'proj-1',
      location: 'europe-west4',
      auth: 'service_account',
      credentials: '{"client_email":"a@b","private_key":"x"}',
      labels: { team: 'core' },
    });
    assert.equal(vx?.keys[0]?.label, 'service_account');
    assert.equal(config.providers.vg?.vertex?.auth, 'adc');
    assert.equal(config.providers.vg?.baseUrl, 'https://aiplatform.googleapis.com/v1');
  });

  it('express mode with an API key pool', () => {
    const config = loadConfig({
      env: {},
      file: { providers: { vx: { type: 'vertex', api_keys: ['k1', { key: 'k2', label: 'b' }] } }, models },
    });
    assert.equal(config.providers.vx?.vertex?.auth, 'express');
    assert.equal(config.providers.vx?.baseUrl, 'https://aiplatform.googleapis.com/v1');
    assert.deepEqual(
      config.providers.vx?.keys.map((key) => key.label),
      ['key-1', 'b'],
    );
  });

  it('fails fast on a vertex provider without project or key, and on vertex fields elsewhere', () => {
    assert.throws(
      () => loadConfig({ env: {}, file: { providers: { vx: { type: 'vertex' } }, models } }),
      /needs project/,
    );
    assert.throws(
      () =>
        loadConfig({
          env: {},
          file: { providers: { vx: { type: 'gemini', api_key: 'k', project: 'p' } }, models },
        }),
      /are for type vertex/,
    );
    assert.throws(
      () =>
        loadConfig({
          env: {},
          file: { providers: { vx: { type: 'vertex', api_key: 'k', credentials: '{}' } }, models },
        }),
      /exclude each other/,
    );
  });
});
