import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { LimiterFactory } from './attempts.js';

/**
 * Counters in Redis, shared by every node (TESSERA_REDIS_URL). If Redis cannot be reached, each
 * node falls back to counting in memory (rate-limiter-flexible's insurance limiter), so a Redis
 * outage weakens the limits for a while but never stops sign-ins.
 */
export interface RedisLimiters {
  factory: LimiterFactory;
  /** Succeeds when Redis answers now (readiness). */
  ping(): Promise<void>;
  /** Resolves once connected (or after `ms`, whichever is first): counting starts in Redis, not in memory. */
  connected(ms?: number): Promise<boolean>;
  close(): Promise<void>;
}

export function redisLimiterFactory(url: string, prefix = 'tessera'): RedisLimiters {
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  // Connection errors are handled per call (the insurance limiter answers); do not crash on them.
  client.on('error', () => {});
  const factory: LimiterFactory = (name, points, duration, blockDuration) =>
    new RateLimiterRedis({
      storeClient: client,
      keyPrefix: `${prefix}:limits:${name}`,
      points,
      duration,
      blockDuration,
      insuranceLimiter: new RateLimiterMemory({ points, duration, blockDuration }),
    });
  return {
    factory,
    async ping() {
      await client.ping();
    },
    async connected(ms = 2000) {
      if (client.status === 'ready') return true;
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        client.once('ready', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
    async close() {
      client.disconnect();
    },
  };
}
