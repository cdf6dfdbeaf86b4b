/**
 * The limiter's Redis connection: options that keep every call short when Redis is slow or gone, and a
 * script runner (EVALSHA, falling back to EVAL once when Redis has not cached the script yet).
 */
import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';
import type { Script } from './redis-scripts.ts';

// ioredis (about 11 MB of resident memory once loaded) is required only when a Redis URL is configured,
// so a single-process gateway, which limits in memory, never loads it.
const requireModule = createRequire(import.meta.url);

/** The most any one Redis command may take before the limiter gives up on it (RELIABILITY.md F10). */
export const MAX_COMMAND_TIMEOUT_MS = 250;
/** Bounds the first connection attempt, the only wait an admission can have before falling back. */
export const CONNECT_TIMEOUT_MS = 1000;
const MAX_RECONNECT_DELAY_MS = 2000;

/** A requested command timeout, clamped to (0, MAX_COMMAND_TIMEOUT_MS]; the default is the maximum. */
export function clampCommandTimeout(requested: number | undefined): number {
  if (requested === undefined || !Number.isFinite(requested) || requested <= 0) return MAX_COMMAND_TIMEOUT_MS;
  return Math.min(Math.ceil(requested), MAX_COMMAND_TIMEOUT_MS);
}

/**
 * No offline queue (a command while disconnected fails at once instead of waiting), one retry at most, a
 * bounded command and connect time, and reconnection forever with a capped backoff so the limiter
 * recovers on its own.
 */
export function redisClientOptions(commandTimeoutMs: number): RedisOptions {
  return {
    commandTimeout: commandTimeoutMs,
    connectTimeout: CONNECT_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
  };
}

export function connectRedis(url: string, commandTimeoutMs: number): Redis {
  const { Redis: RedisClient } = requireModule('ioredis') as typeof import('ioredis');
  return new RedisClient(url, redisClientOptions(commandTimeoutMs));
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

export async function runScript(
  client: Redis,
  script: Script,
  keys: ReadonlyArray<string>,
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    return await client.eval(script.source, keys.length, ...keys, ...args);
  }
}

/** A script's reply, checked to be the flat list of integers the limiter's scripts return. */
export function integerReply(reply: unknown, minimumLength: number): number[] {
  if (!Array.isArray(reply) || reply.length < minimumLength)
    throw new Error('unexpected reply from Redis script');
  return reply.map((value: unknown) => {
    if (typeof value !== 'number' || !Number.isInteger(value))
      throw new Error('non-integer in Redis script reply');
    return value;
  });
}
