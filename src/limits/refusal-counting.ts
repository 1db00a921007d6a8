import { RateLimiterRes } from 'rate-limiter-flexible';
import type { LimiterFactory } from './attempts.js';

/**
 * The same limiters, telling `onRefused` the limiter's name (`sign-in:pair`, `client-auth:ip`, …)
 * each time one refuses an attempt: what the rate-limit metric counts.
 */
export function countingRefusals(make: LimiterFactory, onRefused: (limiter: string) => void): LimiterFactory {
  return (name, points, duration, blockDuration) => {
    const counter = make(name, points, duration, blockDuration);
    return {
      get: (key) => counter.get(key),
      reward: (key, p) => counter.reward(key, p),
      block: (key, seconds) => counter.block(key, seconds),
      delete: (key) => counter.delete(key),
      async consume(key) {
        try {
          return await counter.consume(key);
        } catch (e) {
          // rate-limiter-flexible rejects with the counter's state when the allowance is spent.
          if (e instanceof RateLimiterRes) onRefused(name);
          throw e;
        }
      },
    };
  };
}
