/**
 * Counters of failed attempts (wrong user codes today; logins and client authentication later).
 * The core decides what to count; src/limits holds the implementations (memory, Redis).
 */
export interface AttemptLimiter {
  /** Whether `key` may try again now; `retryAfter` in seconds when it may not. */
  check(key: string): Promise<{ allowed: boolean; retryAfter: number }>;
  /** Counts one failure against `key`. */
  fail(key: string): Promise<void>;
}

export interface Limiters {
  /** Wrong user codes on the device verification page (RFC 8628 §5.1), per session... */
  userCodesPerSession: AttemptLimiter;
  /** ...and per IP, with more room: many people can share one address. */
  userCodesPerIp: AttemptLimiter;
}
