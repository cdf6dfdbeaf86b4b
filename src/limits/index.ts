/** The rate limiter the pipeline's rate-limit stage uses: in memory for one process, Redis for many. */
import { createMemoryLimiter } from './memory-limiter.ts';
import { createRedisLimiter } from './redis-limiter.ts';
import type { Limiter } from './types.ts';

export type {
  AdmissionTicket,
  AdmitSubject,
  LimitDecision,
  LimitReason,
  LimitSpec,
  Limiter,
  LimiterStatus,
} from './types.ts';
export { createMemoryLimiter, type MemoryLimiter, type MemoryLimiterOptions } from './memory-limiter.ts';
export {
  createRedisLimiter,
  fallbackShare,
  type RedisLimiter,
  type RedisLimiterOptions,
  type RedisLimiterSettings,
} from './redis-limiter.ts';
export { formatResetDuration } from './decision.ts';

export interface LimiterConfig {
  redisUrl?: string;
  keyPrefix?: string;
  instances?: number;
}

/** Redis when a URL is configured (limits shared by every instance), otherwise this process's memory. */
export function createLimiter(config: LimiterConfig): Limiter {
  if (config.redisUrl) {
    return createRedisLimiter({
      url: config.redisUrl,
      keyPrefix: config.keyPrefix ?? 'portico:',
      instances: config.instances,
    });
  }
  return createMemoryLimiter();
}
