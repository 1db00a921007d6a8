import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Counter } from './counter.js';
import type { AddressLimiters, AddressPolicy, AttemptLimiter, FailureLimiters, FailurePolicy, Limiters } from '../core/limits.js';
import type { Config } from '../core/config.js';

/** Makes one rate-limiter-flexible limiter: `points` attempts per `duration` seconds, named by `name`. */
export type LimiterFactory = (name: string, points: number, duration: number, blockDuration: number) => Counter;

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * At most `allowance` attempts per window, then locked for `lockSeconds`, on any rate-limiter-flexible
 * store. `consume` is atomic in memory and in Redis (a Lua script), which is what makes "count
 * before you verify" hold under concurrent requests and across nodes.
 */
export function attemptLimiter(limiter: Counter, allowance: number, lockSeconds: number): AttemptLimiter {
  return {
    allowance,
    async take(key) {
      try {
        const res = await limiter.consume(key);
        return { allowed: true, retryAfter: 0, count: res.consumedPoints };
      } catch (e) {
        // Over the allowance (rate-limiter-flexible rejects with the counter's state).
        if (!(e instanceof RateLimiterRes)) throw e;
        return { allowed: false, retryAfter: seconds(e.msBeforeNext), count: e.consumedPoints };
      }
    },
    async giveBack(key) {
      // Only while the key still counts something: a key reset or expired meanwhile must not go below zero.
      const res = await limiter.get(key);
      if (res !== null && res.consumedPoints > 0) await limiter.reward(key, 1);
    },
    async lock(key) {
      await limiter.block(key, lockSeconds);
    },
    async wait(key) {
      const res = await limiter.get(key);
      return res === null || res.consumedPoints <= allowance ? 0 : seconds(res.msBeforeNext);
    },
    async reset(key) {
      await limiter.delete(key);
    },
    async lockedSince(key) {
      // Every lock lasts lockSeconds (a lock() and the limiter's own block alike), so it began that long before it ends.
      const res = await limiter.get(key);
      if (res === null || res.consumedPoints <= allowance) return null;
      return (Date.now() + res.msBeforeNext - lockSeconds * 1000) / 1000;
    },
  };
}

function limiterOf(make: LimiterFactory, name: string, allowance: number, policy: { windowSeconds: number; lockSeconds: number }): AttemptLimiter {
  return attemptLimiter(make(name, allowance, policy.windowSeconds, policy.lockSeconds), allowance, policy.lockSeconds);
}

function failureLimiters(make: LimiterFactory, name: string, policy: FailurePolicy): FailureLimiters {
  return {
    pair: limiterOf(make, `${name}:pair`, policy.perPair, policy),
    subject: limiterOf(make, `${name}:subject`, policy.perSubject, policy),
    ip: limiterOf(make, `${name}:ip`, policy.perIp, policy),
    device: limiterOf(make, `${name}:device`, policy.perPair, policy),
  };
}

function addressLimiters(make: LimiterFactory, name: string, policy: AddressPolicy): AddressLimiters {
  return { pair: limiterOf(make, `${name}:pair`, policy.perPair, policy), ip: limiterOf(make, `${name}:ip`, policy.perIp, policy) };
}

/** Every limiter the server uses, on one kind of store (memory on one node, Redis across nodes). */
export function buildLimiters(make: LimiterFactory, config: Config): Limiters {
  // RFC 8628 §5.1: 5 wrong user codes per 15 minutes per session, 20 per IP, then 15 minutes' wait.
  const userCodes = { windowSeconds: 15 * 60, lockSeconds: 15 * 60 };
  return {
    userCodesPerSession: limiterOf(make, 'user-codes:session', 5, userCodes),
    userCodesPerIp: limiterOf(make, 'user-codes:ip', 20, userCodes),
    signIn: failureLimiters(make, 'sign-in', config.signInLimits),
    secondFactor: failureLimiters(make, 'second-factor', config.signInLimits),
    clientAuth: addressLimiters(make, 'client-auth', config.clientAuthLimits),
    // Enough for a person who mistyped or lost the first mail; too few to flood someone's inbox or to sweep for accounts.
    passwordReset: {
      subject: limiterOf(make, 'password-reset:subject', 3, { windowSeconds: 3600, lockSeconds: 3600 }),
      ip: limiterOf(make, 'password-reset:ip', 20, { windowSeconds: 3600, lockSeconds: 3600 }),
      account: limiterOf(make, 'password-reset:account', 3, { windowSeconds: 3600, lockSeconds: 3600 }),
    },
    // A household or office shares an address: 20 sign-ups an hour from one; an address typed 3 times an hour.
    signup: {
      ip: limiterOf(make, 'signup:ip', 20, { windowSeconds: 3600, lockSeconds: 3600 }),
      address: limiterOf(make, 'signup:address', 3, { windowSeconds: 3600, lockSeconds: 3600 }),
      notice: limiterOf(make, 'signup:notice', 2, { windowSeconds: 3600, lockSeconds: 3600 }),
    },
    verification: {
      account: limiterOf(make, 'verification:account', 3, { windowSeconds: 3600, lockSeconds: 3600 }),
      ip: limiterOf(make, 'verification:ip', 20, { windowSeconds: 3600, lockSeconds: 3600 }),
    },
  };
}
