/**
 * Vertex access tokens against the simulator's local OAuth token endpoint: a service account's JWT
 * bearer grant, minted at start-up and refreshed ahead of expiry on a timer (requests only read it),
 * from inline JSON, a file, or Application Default Credentials.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startSimulator, type Simulator } from '../../../src/simulator/index.ts';
import { VERTEX_SCOPE, VertexTokenSource } from '../../../src/providers/vertex/token-source.ts';
import { UpstreamError } from '../../../src/providers/shared/upstream-error.ts';
import { serviceAccountJson } from '../../helpers/service-account.ts';

let simulator: Simulator;
let directory: string;

before(async () => {
  simulator = await startSimulator({ port: 0, host: '127.0.0.1', tokenLifetimeSeconds: 2 });
  directory = mkdtempSync(join(tmpdir(), 'portico-vertex-'));
});

after(async () => {
  await simulator?.close();
  rmSync(directory, { recursive: true, force: true });
});

const bearer = (headers: Record<string, string>) => headers.authorization?.replace(/^Bearer /, '');

describe('vertex token source', () => {
  it('mints at start-up, serves requests from the current token, refreshes ahead of expiry', async () => {
    const before = simulator.tokens.issued.length;
    const tokens = new VertexTokenSource({ credentials: serviceAccountJson(`${simulator.url}/token`) });
    try {
      tokens.start();
      const first = bearer(await tokens.headers());
      assert.ok(first && simulator.tokens.accepts(first), 'a token the endpoint issued');
      const minted = simulator.tokens.issued.slice(before);
      assert.equal(minted.length, 1);
      assert.equal(minted[0]?.issuer, 'portico-test@proj-1.iam.gserviceaccount.com');
      assert.equal(minted[0]?.scope, VERTEX_SCOPE);

      // Many requests read the same token; none mints.
      const reads = await Promise.all(Array.from({ length: 50 }, () => tokens.headers()));
      assert.ok(reads.every((headers) => bearer(headers) === first));
      assert.equal(simulator.tokens.issued.length, before + 1);

      // The token lives 2 s: the timer refreshes it at half its life, before it expires.
      await sleep(1_500);
      assert.equal(simulator.tokens.issued.length, before + 2);
      const second = bearer(await tokens.headers());
      assert.notEqual(second, first);
      assert.ok(simulator.tokens.accepts(second));
      assert.equal(simulator.tokens.issued.length, before + 2, 'the read did not mint');
      assert.ok((tokens.expiresAt ?? 0) > Date.now());
    } finally {
      tokens.close();
    }
  });

  it('reads a service account file, and Application Default Credentials', async () => {
    const file = join(directory, 'sa.json');
    writeFileSync(
      file,
      serviceAccountJson(`${simulator.url}/token`, 'from-file@proj-1.iam.gserviceaccount.com'),
    );
    const fromFile = new VertexTokenSource({ credentials: file });
    const previous = process.env.GOOGLE_APPLICATION_CREDENTIALS;
    const adcFile = join(directory, 'adc.json');
    writeFileSync(
      adcFile,
      serviceAccountJson(`${simulator.url}/token`, 'adc@proj-1.iam.gserviceaccount.com'),
    );
    process.env.GOOGLE_APPLICATION_CREDENTIALS = adcFile;
    const adc = new VertexTokenSource({ credentials: null });
    try {
      fromFile.start();
      adc.start();
      const [fileToken, adcToken] = [bearer(await fromFile.headers()), bearer(await adc.headers())];
      const issuers = new Map(simulator.tokens.issued.map((token) => [token.token, token.issuer]));
      assert.equal(issuers.get(fileToken as string), 'from-file@proj-1.iam.gserviceaccount.com');
      assert.equal(issuers.get(adcToken as string), 'adc@proj-1.iam.gserviceaccount.com');
    } finally {
      fromFile.close();
      adc.close();
      if (previous === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      else process.env.GOOGLE_APPLICATION_CREDENTIALS = previous;
    }
  });

  it('a failing token endpoint: requests fail as an unbilled upstream error, and the failure is reported', async () => {
    const errors: Error[] = [];
    const tokens = new VertexTokenSource({
      credentials: serviceAccountJson(`${simulator.url}/no-such-token-endpoint`),
      onError: (error) => errors.push(error),
    });
    try {
      tokens.start();
      await assert.rejects(
        tokens.headers(),
        (error: unknown) => error instanceof UpstreamError && error.unbilled && error.kind === 'connect',
      );
      assert.ok(errors.length >= 1);
    } finally {
      tokens.close();
    }
  });

  it('refuses credentials that are not a service account key', () => {
    assert.throws(
      () => new VertexTokenSource({ credentials: '{"type":"authorized_user"}' }),
      /service account/,
    );
  });
});
