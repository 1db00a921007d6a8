import type { ConfigFacts, RedisFacts } from './facts.js';
import { error, humanMs, ok, warn, type CheckResult } from './result.js';

/** Redis commands give up after 250 ms (src/limits/redis.ts); a Redis this slow comes close. */
export const SLOW_REDIS_MS = 100;

/** `redis`: the shared counters answer when configured, and are configured where several nodes share a database. */
export function redisCheck(redis: RedisFacts | undefined, config: ConfigFacts): CheckResult {
  if (!redis) {
    if (config.store.kind === 'postgres') {
      return warn('redis', 'no Redis (TESSERA_REDIS_URL): with several nodes on one database, each counts sign-in failures on its own, so N nodes give an attacker N times the tries', 'set TESSERA_REDIS_URL on every node (a single node needs none)');
    }
    return ok('redis', 'no Redis: the embedded store runs one node, which counts in its own memory');
  }
  if ('error' in redis) {
    return error('redis', `Redis at ${redis.url} does not answer: ${redis.error}`, 'start Redis or correct TESSERA_REDIS_URL; until then each node counts failures in its own memory');
  }
  const ms = humanMs(redis.latencyMs);
  if (redis.latencyMs > SLOW_REDIS_MS) return warn('redis', `Redis at ${redis.url} answers, but a PING took ${ms} (commands give up after 250 ms)`, 'put Redis close to the nodes, or find what loads it');
  return ok('redis', `Redis at ${redis.url} answers in ${ms}`);
}
