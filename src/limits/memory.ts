import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AttemptLimiter, FailureLimiters, FailurePolicy } from '../core/limits.js';

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
        const res = await limiter.consume(key);
        if (res.consumedPoints < failures) return { count: res.consumedPoints, blocked: false };
        // The failure that reaches the limit starts the full block, not just the rest of the window.
        await limiter.block(key, blockSeconds);
        return { count: res.consumedPoints, blocked: true };
      } catch (e) {
        // Over the limit: the key is now blocked, which is the point.
        if (!(e instanceof RateLimiterRes)) throw e;
        return { count: e.consumedPoints, blocked: true };
      }
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}

export function memoryFailureLimiters(policy: FailurePolicy): FailureLimiters {
  const limiter = (failures: number) => memoryLimiter(failures, policy.windowSeconds, policy.lockSeconds);
  return { pair: limiter(policy.perPair), subject: limiter(policy.perSubject), ip: limiter(policy.perIp) };
}
