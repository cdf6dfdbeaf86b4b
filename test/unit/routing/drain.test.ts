import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DrainController, ShutdownError } from '../../../src/routing/drain.ts';

test('cut() aborts the tracked upstream calls, and only those still tracked', () => {
  const drain = new DrainController();
  const live = new AbortController();
  const finished = new AbortController();
  drain.track(live);
  const untrack = drain.track(finished);
  untrack();
  drain.cut();
  assert.equal(live.signal.aborted, true);
  assert.ok(live.signal.reason instanceof ShutdownError);
  assert.equal(finished.signal.aborted, false);
  const late = new AbortController();
  drain.track(late);
  assert.equal(late.signal.aborted, true, 'a call started after the cut is aborted at once');
});
