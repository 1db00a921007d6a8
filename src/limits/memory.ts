import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AttemptLimiter } from '../core/limits.js';

/** At most `failures` failures per `windowSeconds`, then blocked for `blockSeconds`; counts live in this process. */
export function memoryLimiter(failures: number, windowSeconds: number, blockSeconds: number): AttemptLimiter {
  const limiter = new RateLimiterMemory({ points: failures, duration: windowSeconds, blockDuration: blockSeconds });
  return {
    async check(key) {
      const res = await limiter.get(key);
      if (res === null || res.consumedPoints < failures) return { allowed: true, retryAfter: 0 };
      return { allowed: false, retryAfter: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
    },
    async fail(key) {
      try {
        await limiter.consume(key);
      } catch (e) {
        // Over the limit: the key is now blocked, which is the point.
        if (!(e instanceof RateLimiterRes)) throw e;
      }
    },
  };
}
