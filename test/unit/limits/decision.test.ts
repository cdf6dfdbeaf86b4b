import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildDecision,
  buildHeaders,
  formatResetDuration,
  limitOf,
  normalizeTokens,
} from '../../../src/limits/decision.ts';
import { NEVER } from '../../../src/limits/sliding-window.ts';

test('formatResetDuration uses OpenAI-style whole-second durations, rounded up', () => {
  assert.equal(formatResetDuration(0), '0s');
  assert.equal(formatResetDuration(1), '1s');
  assert.equal(formatResetDuration(5_200), '6s');
  assert.equal(formatResetDuration(59_999), '1m0s');
  assert.equal(formatResetDuration(60_001), '1m1s');
  assert.equal(formatResetDuration(-5), '0s');
});

test('limitOf treats null, absent, negative and non-finite limits as unlimited and floors the rest', () => {
  assert.equal(limitOf({ rpm: null }, 'rpm'), null);
  assert.equal(limitOf({}, 'tpm'), null);
  assert.equal(limitOf({ rpm: -1 }, 'rpm'), null);
  assert.equal(limitOf({ rpm: Number.POSITIVE_INFINITY }, 'rpm'), null);
  assert.equal(limitOf({ maxConcurrency: 2.7 }, 'maxConcurrency'), 2);
  assert.equal(limitOf({ rpm: 0 }, 'rpm'), 0);
});

test('normalizeTokens rounds up and maps NaN and negatives to 0', () => {
  assert.equal(normalizeTokens(1.2), 2);
  assert.equal(normalizeTokens(Number.NaN), 0);
  assert.equal(normalizeTokens(-3), 0);
});

test('headers come from the subject with the least remaining on each axis', () => {
  const headers = buildHeaders([
    {
      requests: { limit: 100, used: 10, waitMs: 0, resetMs: 61_000 },
      tokens: { limit: 1000, used: 900, waitMs: 0, resetMs: 30_000 },
    },
    {
      requests: { limit: 20, used: 15, waitMs: 0, resetMs: 12_000 },
      tokens: { limit: 10_000, used: 10, waitMs: 0, resetMs: 61_000 },
      concurrency: { limit: 4, inFlight: 4 },
    },
  ]);
  assert.deepEqual(headers, {
    'x-ratelimit-limit-requests': '20',
    'x-ratelimit-remaining-requests': '5',
    'x-ratelimit-reset-requests': '12s',
    'x-ratelimit-limit-tokens': '1000',
    'x-ratelimit-remaining-tokens': '100',
    'x-ratelimit-reset-tokens': '30s',
    'x-ratelimit-limit-concurrency': '4',
    'x-ratelimit-remaining-concurrency': '0',
  });
});

test('a refusal takes the reason and Retry-After of the longest wait', () => {
  const decision = buildDecision(false, [
    { requests: { limit: 10, used: 10, waitMs: 2_100, resetMs: 50_000 } },
    {
      tokens: { limit: 100, used: 90, waitMs: 7_001, resetMs: 50_000 },
      concurrency: { limit: 1, inFlight: 1 },
    },
  ]);
  assert.equal(decision.allowed, false);
  assert.equal(decision.reason, 'tokens');
  assert.equal(decision.retryAfterSeconds, 8);
});

test('a concurrency refusal asks for a retry in 1 s; an impossible token request in a full window', () => {
  const busy = buildDecision(false, [{ concurrency: { limit: 2, inFlight: 2 } }]);
  assert.equal(busy.reason, 'concurrency');
  assert.equal(busy.retryAfterSeconds, 1);
  const huge = buildDecision(false, [{ tokens: { limit: 100, used: 0, waitMs: NEVER, resetMs: 0 } }]);
  assert.equal(huge.reason, 'tokens');
  assert.equal(huge.retryAfterSeconds, 60);
});

test('Retry-After never exceeds the 60 s window it describes', () => {
  const edge = buildDecision(false, [{ requests: { limit: 30, used: 30, waitMs: 60_400, resetMs: 60_400 } }]);
  assert.equal(edge.retryAfterSeconds, 60);
});

test('an allowed decision has headers only', () => {
  assert.deepEqual(buildDecision(true, [{ concurrency: { limit: 3, inFlight: 1 } }]), {
    allowed: true,
    headers: { 'x-ratelimit-limit-concurrency': '3', 'x-ratelimit-remaining-concurrency': '2' },
  });
});
