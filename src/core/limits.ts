/**
 * Counters of failed attempts: wrong user codes, failed sign-ins, failed client authentication.
 * The core decides what to count; src/limits holds the implementations (memory, Redis).
 */
export interface AttemptLimiter {
  /** Whether `key` may try again now; `retryAfter` in seconds when it may not. */
  check(key: string): Promise<{ allowed: boolean; retryAfter: number }>;
  /** Counts one failure against `key`: the failures in the window so far, and whether the key is now blocked. */
  fail(key: string): Promise<{ count: number; blocked: boolean }>;
  /** Forgets the failures of `key`. */
  reset(key: string): Promise<void>;
}

/**
 * How many failures of one kind are allowed before a temporary block: per subject (a username, a
 * client) from one IP, per subject from anywhere, and per IP whatever the subject. The pair limit
 * is the lowest, so an attacker on one address is stopped long before they could lock the subject
 * out for everyone; only a distributed attack reaches the subject's own limit.
 */
export interface FailurePolicy {
  perPair: number;
  perSubject: number;
  perIp: number;
  windowSeconds: number;
  lockSeconds: number;
}

export interface FailureLimiters {
  pair: AttemptLimiter;
  subject: AttemptLimiter;
  ip: AttemptLimiter;
}

export interface Limiters {
  /** Wrong user codes on the device verification page (RFC 8628 §5.1), per session... */
  userCodesPerSession: AttemptLimiter;
  /** ...and per IP, with more room: many people can share one address. */
  userCodesPerIp: AttemptLimiter;
  /** Failed sign-ins (login page, password grant); the subject is the username as typed. */
  signIn: FailureLimiters;
  /** Failed client authentication and bad registration bearer tokens; the subject is the client id. */
  clientAuth: FailureLimiters;
}

const pairKey = (subject: string, ip: string) => `${subject}\u0000${ip}`;

/** Seconds until `subject` may try again from `ip`; 0 when it may now. */
export async function waitBeforeTrying(limiters: FailureLimiters, subject: string, ip: string): Promise<number> {
  const answers = await Promise.all([limiters.pair.check(pairKey(subject, ip)), limiters.subject.check(subject), limiters.ip.check(ip)]);
  return Math.max(0, ...answers.filter((a) => !a.allowed).map((a) => a.retryAfter));
}

/** Counts a failure three ways; `count` is the pair's failures in the window, `locked` whether a limit now blocks. */
export async function countFailure(limiters: FailureLimiters, subject: string, ip: string): Promise<{ count: number; locked: boolean }> {
  const [pair, bySubject, byIp] = await Promise.all([limiters.pair.fail(pairKey(subject, ip)), limiters.subject.fail(subject), limiters.ip.fail(ip)]);
  return { count: pair.count, locked: pair.blocked || bySubject.blocked || byIp.blocked };
}

/** After a success, the subject starts afresh from this IP. */
export async function forgetFailures(limiters: FailureLimiters, subject: string, ip: string): Promise<void> {
  await limiters.pair.reset(pairKey(subject, ip));
}
