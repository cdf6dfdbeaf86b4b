import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveHolders } from '../../src/cli/recover-holds.ts';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const recent = new Date(NOW - 60_000).toISOString();
const old = new Date(NOW - 3 * 60 * 60 * 1000).toISOString();

test('live holders: ours, live PIDs on this host, recent holds of other hosts', () => {
  const alive = new Set([200]);
  const live = liveHolders(
    [
      { processId: 'box:100:aaa', createdAt: recent }, // ours
      { processId: 'box:200:bbb', createdAt: old }, // another live process here
      { processId: 'box:300:ccc', createdAt: recent }, // a dead process here
      { processId: 'box:100:old', createdAt: recent }, // our PID reused after a restart: dead
      { processId: 'other:1:ddd', createdAt: recent }, // another host, recent
      { processId: 'other:1:eee', createdAt: old }, // another host, too old
    ],
    { ownProcessId: 'box:100:aaa', host: 'box', ownPid: 100, now: NOW, isAlive: (pid) => alive.has(pid) },
  );
  assert.deepEqual(live.sort(), ['box:100:aaa', 'box:200:bbb', 'other:1:ddd'].sort());
});

test('host names with colons (IPv6-like) still parse', () => {
  const live = liveHolders([{ processId: 'a:b:7:x', createdAt: recent }], {
    ownProcessId: 'a:b:9:y',
    host: 'a:b',
    ownPid: 9,
    now: NOW,
    isAlive: () => true,
  });
  assert.ok(live.includes('a:b:7:x'));
});
