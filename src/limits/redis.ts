import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { LimiterFactory } from './attempts.js';
import type { Counter } from './counter.js';

/** How long one Redis command may take before this node counts in memory instead. */
const COMMAND_TIMEOUT_MS = 250;
const CONNECT_TIMEOUT_MS = 1000;
/** After a failure, how long counting stays in memory before Redis is tried again (a probe runs meanwhile). */
const RETRY_AFTER_MS = 2000;

/**
 * Counters in Redis, shared by every node (TESSERA_REDIS_URL). When Redis fails or stops answering
 * (a command outlives its timeout), this node counts in its own memory at once and for a while,
 * probing Redis in the background, so a hung Redis costs each request at most one timeout and
 * never stops sign-ins or token requests. The limits weaken meanwhile (each node counts alone).
 */
export interface RedisLimiters {
  factory: LimiterFactory;
  /** 'ok' when Redis answers now; 'degraded' while this node counts in memory (readiness reports it, without taking the node out). */
  state(): Promise<'ok' | 'degraded'>;
  /** Resolves once connected (or after `ms`, whichever is first): counting starts in Redis, not in memory. */
  connected(ms?: number): Promise<boolean>;
  close(): Promise<void>;
}

export function redisLimiterFactory(url: string, prefix = 'tessera'): RedisLimiters {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Connection errors are handled per call (the memory counters answer); do not crash on them.
  client.on('error', () => {});

  let downUntil = 0;
  let probing: Promise<void> | undefined;
  const healthy = () => Date.now() >= downUntil && client.status === 'ready';
  const markDown = () => {
    downUntil = Date.now() + RETRY_AFTER_MS;
  };

  const factory: LimiterFactory = (name, points, duration, blockDuration) => {
    const shared = new RateLimiterRedis({ storeClient: client, keyPrefix: `${prefix}:limits:${name}`, points, duration, blockDuration, rejectIfRedisNotReady: true });
    const local = new RateLimiterMemory({ points, duration, blockDuration });
    return failover(shared, local, healthy, markDown);
  };

  return {
    factory,
    async state() {
      if (Date.now() < downUntil) {
        // One probe at a time: when it answers, counting goes back to Redis.
        probing ??= client
          .ping()
          .then(() => {
            downUntil = 0;
          })
          .catch(() => markDown())
          .finally(() => {
            probing = undefined;
          });
        return 'degraded';
      }
      try {
        await client.ping();
        return 'ok';
      } catch {
        markDown();
        return 'degraded';
      }
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

/** Each call goes to Redis while it is healthy; a failure (not a refusal) marks it down and the call is answered from memory. */
function failover(shared: Counter, local: Counter, healthy: () => boolean, markDown: () => void): Counter {
  const call = async <T>(use: (counter: Counter) => Promise<T>): Promise<T> => {
    if (!healthy()) return use(local);
    try {
      return await use(shared);
    } catch (e) {
      // An over-the-limit answer is a RateLimiterRes, not a failure of Redis.
      if (e instanceof RateLimiterRes) throw e;
      markDown();
      return use(local);
    }
  };
  return {
    consume: (key) => call((c) => c.consume(key)),
    get: (key) => call((c) => c.get(key)),
    reward: (key, points) => call((c) => c.reward(key, points)),
    block: (key, seconds) => call((c) => c.block(key, seconds)),
    delete: (key) => call((c) => c.delete(key)),
  };
}
