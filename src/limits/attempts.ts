import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AttemptLimiter, FailureLimiters, FailurePolicy, Limiters } from '../core/limits.js';
import type { Config } from '../core/config.js';

/** Makes one rate-limiter-flexible limiter: `points` failures per `duration` seconds, named by `name`. */
export type LimiterFactory = (name: string, points: number, duration: number, blockDuration: number) => RateLimiterAbstract;

/** At most `failures` failures per `windowSeconds`, then blocked for `blockSeconds`, on any rate-limiter-flexible store. */
export function attemptLimiter(limiter: RateLimiterAbstract, failures: number, blockSeconds: number): AttemptLimiter {
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

function failureLimiters(make: LimiterFactory, name: string, policy: FailurePolicy): FailureLimiters {
  const limiter = (kind: string, failures: number) =>
    attemptLimiter(make(`${name}:${kind}`, failures, policy.windowSeconds, policy.lockSeconds), failures, policy.lockSeconds);
  return { pair: limiter('pair', policy.perPair), subject: limiter('subject', policy.perSubject), ip: limiter('ip', policy.perIp) };
}

/** Every limiter the server uses, on one kind of store (memory on one node, Redis across nodes). */
export function buildLimiters(make: LimiterFactory, config: Config): Limiters {
  const QUARTER_HOUR = 15 * 60;
  return {
    // RFC 8628 §5.1: 5 wrong user codes per 15 minutes per session, 20 per IP, then 15 minutes' wait.
    userCodesPerSession: attemptLimiter(make('user-codes:session', 5, QUARTER_HOUR, QUARTER_HOUR), 5, QUARTER_HOUR),
    userCodesPerIp: attemptLimiter(make('user-codes:ip', 20, QUARTER_HOUR, QUARTER_HOUR), 20, QUARTER_HOUR),
    signIn: failureLimiters(make, 'sign-in', config.signInLimits),
    clientAuth: failureLimiters(make, 'client-auth', config.clientAuthLimits),
  };
}
