import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLimiter, createRedisLimiter, fallbackShare } from '../../../src/limits/index.ts';
import {
  clampCommandTimeout,
  MAX_COMMAND_TIMEOUT_MS,
  redisClientOptions,
} from '../../../src/limits/redis-connection.ts';

test('the Redis command timeout defaults to 250 ms and never exceeds it', () => {
  assert.equal(MAX_COMMAND_TIMEOUT_MS, 250);
  assert.equal(clampCommandTimeout(undefined), 250);
  assert.equal(clampCommandTimeout(5_000), 250);
  assert.equal(clampCommandTimeout(80), 80);
  assert.equal(clampCommandTimeout(0), 250);
});

test('the Redis client fails fast: command timeout applied, no offline queue, one retry, bounded connect', () => {
  const options = redisClientOptions(120);
  assert.equal(options.commandTimeout, 120);
  assert.equal(options.enableOfflineQueue, false);
  assert.equal(options.maxRetriesPerRequest, 1);
  assert.ok(options.connectTimeout !== undefined && options.connectTimeout <= 1000);
  const delays = [1, 5, 50, 500].map((attempt) => options.retryStrategy?.(attempt));
  assert.ok(
    delays.every((delay) => typeof delay === 'number' && delay > 0 && delay <= 2000),
    'reconnects forever',
  );
});

test('the fallback share is limit / instances, at least 1; unlimited and zero stay as they are', () => {
  assert.deepEqual(fallbackShare({ rpm: 60, tpm: 10_001, maxConcurrency: 3 }, 4), {
    rpm: 15,
    tpm: 2500,
    maxConcurrency: 1,
  });
  assert.deepEqual(fallbackShare({ rpm: 0, tpm: null }, 2), { rpm: 0, tpm: null, maxConcurrency: undefined });
});

test('createLimiter picks Redis only when a URL is configured; settings are frozen and clamped', async () => {
  const memory = createLimiter({});
  assert.equal(memory.kind, 'memory');
  await memory.close();
  const redis = createRedisLimiter({
    url: 'redis://127.0.0.1:1',
    keyPrefix: 'unit:',
    commandTimeoutMs: 9_000,
  });
  try {
    assert.equal(redis.kind, 'redis');
    assert.equal(redis.settings.commandTimeoutMs, 250);
    assert.equal(redis.settings.instances, 1);
    assert.ok(Object.isFrozen(redis.settings));
  } finally {
    await redis.close();
  }
  const configured = createLimiter({ redisUrl: 'redis://127.0.0.1:1', instances: 3 });
  assert.equal(configured.kind, 'redis');
  await configured.close();
});
