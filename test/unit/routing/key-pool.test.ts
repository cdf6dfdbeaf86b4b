import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyPool, type KeyPoolEvent } from '../../../src/routing/key-pool.ts';
import { callWithPool } from '../../../src/providers/shared/pooled-call.ts';
import { upstreamStatusError, UpstreamError } from '../../../src/providers/shared/upstream-error.ts';
import type { ProviderRequest } from '../../../src/providers/provider.ts';

const keys = (...spec: Array<[string, number]>) =>
  spec.map(([label, weight]) => ({ label, secret: `secret-${label}`, weight }));

function picks(pool: KeyPool, count: number, now = 0): string[] {
  return Array.from({ length: count }, () => pool.choose(now)?.label ?? 'none');
}

const input = { signal: new AbortController().signal } as unknown as ProviderRequest;

describe('key pool', () => {
  it('rotates round-robin over equal weights and in proportion over unequal ones', () => {
    assert.deepEqual(picks(new KeyPool('p', keys(['a', 1], ['b', 1], ['c', 1])), 6), [
      'a',
      'b',
      'c',
      'a',
      'b',
      'c',
    ]);
    const weighted = picks(new KeyPool('p', keys(['a', 3], ['b', 1])), 8);
    assert.equal(weighted.filter((label) => label === 'a').length, 6);
    assert.equal(weighted.filter((label) => label === 'b').length, 2);
    // Smooth: the heavy key's turns are spread, never four in a row.
    assert.ok(!weighted.join(',').includes('a,a,a,a'));
  });

  it('cools a rate-limited key for its Retry-After only, then brings it back last', () => {
    const pool = new KeyPool('p', keys(['a', 1], ['b', 1], ['c', 1]));
    assert.equal(pool.rateLimited('a', 2, 1_000), 'cooled');
    assert.deepEqual(new Set(picks(pool, 4, 1_500)), new Set(['b', 'c']));
    assert.equal(pool.status(1_500).find((key) => key.label === 'a')?.state, 'cooling');
    // Free again after 2 s, but recently limited: the calm keys still go first.
    assert.deepEqual(new Set(picks(pool, 4, 3_001)), new Set(['b', 'c']));
    // Once the others are out, the limited key serves.
    pool.rejected('b', 401, 3_001);
    pool.rejected('c', 403, 3_001);
    assert.equal(pool.choose(3_001)?.label, 'a');
    // A minute later it counts as calm again.
    pool.enable('b');
    assert.deepEqual(new Set(picks(pool, 4, 70_000)), new Set(['a', 'b']));
  });

  it('a 429 without Retry-After cools nothing but sends the key to the back', () => {
    const pool = new KeyPool('p', keys(['a', 1], ['b', 1]));
    pool.rateLimited('a', undefined, 0);
    assert.equal(pool.status(0).find((key) => key.label === 'a')?.state, 'active');
    assert.deepEqual(picks(pool, 3, 1), ['b', 'b', 'b']);
  });

  it('takes a refused key out until enabled, and says when a key is free again', () => {
    const events: KeyPoolEvent[] = [];
    const pool = new KeyPool('p', keys(['a', 1], ['b', 1]), (event) => events.push(event));
    pool.rejected('a', 401, 10);
    pool.rejected('a', 401, 20);
    assert.deepEqual(
      events.map((event) => `${event.kind}:${event.label}`),
      ['disabled:a'],
    );
    assert.deepEqual(picks(pool, 3, 30), ['b', 'b', 'b']);
    pool.rateLimited('b', 5, 30);
    assert.equal(pool.choose(31), undefined);
    assert.equal(pool.nextFreeAt(31), 5_030);
    const status = pool.status(31);
    assert.deepEqual(
      status.map((key) => [key.label, key.state, key.disabledStatus]),
      [
        ['a', 'disabled', 401],
        ['b', 'cooling', null],
      ],
    );
    assert.equal(pool.enable('a'), true);
    assert.equal(pool.enable('nope'), false);
    assert.equal(pool.choose(31)?.label, 'a');
    assert.equal(events.at(-1)?.kind, 'enabled');
  });

  it('refuses duplicate labels and empty pools', () => {
    assert.throws(() => new KeyPool('p', []), /at least one key/);
    assert.throws(() => new KeyPool('p', keys(['a', 1], ['a', 2])), /two keys are labelled "a"/);
  });
});

describe('callWithPool', () => {
  it('moves past a rate-limited and a refused key to the next one within one call', async () => {
    const pool = new KeyPool('p', keys(['a', 1], ['b', 1], ['c', 1]));
    const used: string[] = [];
    const result = await callWithPool(
      pool,
      input,
      async (key) => {
        used.push(key.label);
        if (key.label === 'a') throw upstreamStatusError(429, 'slow down', 3);
        if (key.label === 'b') throw upstreamStatusError(401, 'revoked');
        return `served by ${key.secret}`;
      },
      () => 1_000,
    );
    assert.deepEqual(used, ['a', 'b', 'c']);
    assert.deepEqual(result, { value: 'served by secret-c', credential: 'c' });
    assert.deepEqual(
      pool.status(1_000).map((key) => key.state),
      ['cooling', 'disabled', 'active'],
    );
  });

  it('does not rotate on a failure another key cannot fix, and tags it with the key', async () => {
    const pool = new KeyPool('p', keys(['a', 1], ['b', 1]));
    let calls = 0;
    await assert.rejects(
      callWithPool(pool, input, async () => {
        calls++;
        throw upstreamStatusError(500, 'boom');
      }),
      (error: unknown) => error instanceof UpstreamError && error.credential === 'a',
    );
    assert.equal(calls, 1);
  });

  it('when every key is resting, fails as a 429 lasting until the first key is free', async () => {
    const pool = new KeyPool('p', keys(['a', 1], ['b', 1]));
    await assert.rejects(
      callWithPool(
        pool,
        input,
        async (key) => {
          throw upstreamStatusError(429, 'quota', key.label === 'a' ? 7 : 4);
        },
        () => 0,
      ),
      (error: unknown) =>
        error instanceof UpstreamError &&
        error.upstreamStatus === 429 &&
        error.upstreamRetryAfterSeconds === 4 &&
        error.credential === 'b',
    );
  });

  it('uses the key the exchange chose, once, and reports its failure to the pool', async () => {
    const pool = new KeyPool('p', keys(['a', 1], ['b', 1]));
    const lease = { label: 'b', secret: 'secret-b' };
    await assert.rejects(
      callWithPool(pool, { ...input, credential: lease }, async () => {
        throw upstreamStatusError(403, 'billing disabled');
      }),
      (error: unknown) => error instanceof UpstreamError && error.credential === 'b',
    );
    assert.equal(pool.status(0).find((key) => key.label === 'b')?.state, 'disabled');
    assert.equal(pool.choose(0, new Set(['b']))?.label, 'a');
  });

  it('a pool of one key is never cooled or taken out', async () => {
    const pool = new KeyPool('p', keys(['key-1', 1]));
    await assert.rejects(
      callWithPool(pool, input, async () => {
        throw upstreamStatusError(401, 'bad key');
      }),
    );
    assert.equal(pool.status(0)[0]?.state, 'active');
    assert.equal((await callWithPool(pool, input, async () => 'ok')).credential, 'key-1');
  });
});
