import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OverloadGuard } from '../../../src/http/overload.ts';

test('overload guard: a concurrency bound, an event-loop-lag trigger and draining', () => {
  let lag = 0;
  let draining = false;
  const guard = new OverloadGuard({
    maxConcurrency: 2,
    maxLagMs: 100,
    sampleEveryMs: 60_000,
    sampleLag: () => lag,
    isDraining: () => draining,
  });
  try {
    assert.equal(guard.enter(), undefined);
    assert.equal(guard.enter(), undefined);
    assert.equal(guard.enter(), 'concurrency');
    assert.equal(guard.inFlight, 2, 'a shed request is not counted');
    guard.leave();
    assert.equal(guard.enter(), undefined);
    guard.leave();
    lag = 250;
    guard.sample();
    assert.equal(guard.enter(), undefined, 'one slow window (a GC pause) is not overload');
    guard.leave();
    guard.sample();
    assert.equal(guard.enter(), 'event_loop_lag', 'two in a row are');
    lag = 5;
    guard.sample();
    assert.equal(guard.enter(), undefined, 'admitted again once the loop recovered');
    draining = true;
    assert.equal(guard.enter(), 'draining');
  } finally {
    guard.close();
  }
});
