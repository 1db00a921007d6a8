/**
 * Counters of guesses: passwords, second-factor codes, device user codes, client secrets.
 * The core decides what to count; src/limits holds the implementations (memory, Redis).
 *
 * Count before you verify (DESIGN.md §6): a guess takes its point atomically *before* it is
 * checked, so a burst of concurrent guesses cannot all pass a "not locked yet" look and then be
 * checked together. A guess that turns out right gives its point back.
 */
export interface AttemptLimiter {
  /** Takes one attempt from `key`'s allowance, atomically. Refused (with `retryAfter` seconds) once the allowance is spent. */
  take(key: string): Promise<{ allowed: boolean; retryAfter: number; count: number }>;
  /** Returns the point of an attempt that was not a failure (it succeeded, or was never checked). */
  giveBack(key: string): Promise<void>;
  /** Starts the full lock now: the failure that spends the allowance locks for the lock time, not the rest of the window. */
  lock(key: string): Promise<void>;
  /** Seconds `key` must still wait; 0 when it may try now. Reads only: never decides whether a guess is checked. */
  wait(key: string): Promise<number>;
  /** Forgets the attempts of `key`. */
  reset(key: string): Promise<void>;
  /** When (Unix seconds) the lock `key` is under now began; null when it is not locked. */
  lockedSince(key: string): Promise<number | null>;
  /** How many attempts `key` may make in a window. */
  readonly allowance: number;
}

/**
 * How many failures of one kind are allowed before a temporary lock: per subject (a username, a
 * user's second factor) from one IP, per subject from anywhere, and per IP whatever the subject.
 * The pair limit is the lowest, so an attacker on one address is stopped long before they could
 * lock the subject out for everyone; only a distributed attack reaches the subject's own limit.
 */
export interface FailurePolicy {
  perPair: number;
  perSubject: number;
  perIp: number;
  windowSeconds: number;
  lockSeconds: number;
}

/** Client secrets are 256-bit random and cannot be guessed: failures count per address only (never per client alone). */
export type AddressPolicy = Omit<FailurePolicy, 'perSubject'>;

export interface FailureLimiters {
  pair: AttemptLimiter;
  subject: AttemptLimiter;
  ip: AttemptLimiter;
  /** Sign-ins from a browser that carries this user's device cookie, counted per device (OWASP "device cookies"). */
  device: AttemptLimiter;
}

export interface AddressLimiters {
  pair: AttemptLimiter;
  ip: AttemptLimiter;
}

export interface Limiters {
  /** Wrong user codes on the device verification page (RFC 8628 §5.1), per session... */
  userCodesPerSession: AttemptLimiter;
  /** ...and per IP, with more room: many people can share one address. */
  userCodesPerIp: AttemptLimiter;
  /** Sign-ins (login pages, password grant). */
  signIn: FailureLimiters;
  /** Second-factor codes, per user: counters of their own, so no typed username can reach them. */
  secondFactor: FailureLimiters;
  /** Failed client authentication and bad bearer tokens at /register, per address. */
  clientAuth: AddressLimiters;
  /**
   * Password reset requests (each sends an email), per account name typed and per IP: every request
   * counts, found or not. And the links sent, per account: an account named by its username and by
   * its address in turn (two names typed) still gets no more mail than one name would.
   */
  passwordReset: { subject: AttemptLimiter; ip: AttemptLimiter; account: AttemptLimiter };
  /**
   * Sign-ups, per IP and per address typed (each sends an email, found or not); and the "someone
   * tried to sign up with your address" notices, per address, so no one can flood a mailbox with them.
   */
  signup: { ip: AttemptLimiter; address: AttemptLimiter; notice: AttemptLimiter };
  /** Verification links sent (sign-up resend, email change, "verify your email"), per account and per IP. */
  verification: { account: AttemptLimiter; ip: AttemptLimiter };
}

/** One counter and the key an attempt is counted under. */
export type Counted = readonly [AttemptLimiter, string];

/** A point taken: where, and how many attempts that key has made in its window with it. */
interface Taken {
  limiter: AttemptLimiter;
  key: string;
  count: number;
}

export type Attempt = { allowed: true; taken: Taken[] } | { allowed: false; retryAfter: number };

/**
 * Takes one point from each counter in order, atomically per counter. If one refuses, the points
 * already taken are given back (an attempt that is never checked is not a failure), so a refused
 * attempt never adds to a wider counter: hammering a locked pair cannot lock the subject for others.
 */
export async function takeAttempt(counters: readonly Counted[]): Promise<Attempt> {
  const taken: Taken[] = [];
  for (const [limiter, key] of counters) {
    const answer = await limiter.take(key);
    if (!answer.allowed) {
      await giveBack({ allowed: true, taken });
      return { allowed: false, retryAfter: answer.retryAfter };
    }
    taken.push({ limiter, key, count: answer.count });
  }
  return { allowed: true, taken };
}

/** The attempt succeeded (or was not checked after all): its points go back. */
export async function giveBack(attempt: Attempt & { allowed: true }): Promise<void> {
  await Promise.all(attempt.taken.map(({ limiter, key }) => limiter.giveBack(key)));
}

/**
 * The attempt was a failure: its points stay spent. Counters whose allowance it used up start their
 * full lock; `retryAfter` is 0 when none did, else how long the lock lasts.
 */
export async function failedAttempt(attempt: Attempt & { allowed: true }): Promise<{ retryAfter: number }> {
  const spent = attempt.taken.filter(({ limiter, count }) => count >= limiter.allowance);
  await Promise.all(spent.map(({ limiter, key }) => limiter.lock(key)));
  const waits = await Promise.all(spent.map(({ limiter, key }) => limiter.wait(key)));
  return { retryAfter: Math.max(0, ...waits) };
}

/**
 * Runs the check of an attempt. If the check fails with an error (a database that stalled), nothing
 * was decided: the points go back, so an outage never turns into a lockout.
 */
export async function checkAttempt<T>(attempt: Attempt & { allowed: true }, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (e) {
    await giveBack(attempt).catch(() => {});
    throw e;
  }
}

/**
 * The attempt succeeded: the narrowest counter (the first: username+IP, or the device) starts
 * afresh, and the points taken from the wider ones go back.
 */
export async function succeededAttempt(attempt: Attempt & { allowed: true }): Promise<void> {
  const [first, ...rest] = attempt.taken;
  await Promise.all([first?.limiter.reset(first.key), ...rest.map(({ limiter, key }) => limiter.giveBack(key))]);
}

/**
 * Lifts the locks an operator lifted (`tessera user unlock`, which records `unlockedAt` in the
 * store, since the locks themselves live in memory or Redis where the CLI cannot reach them): each
 * of the account's counters (those `ofAccount` says are keyed by it, not by an address alone) that
 * locked at or before the unlock starts afresh. A lock that began after the unlock holds, so an
 * unlock gives the person a fresh allowance, never an attacker an endless one. True when any lifted.
 */
export async function liftUnlocked(counters: readonly Counted[], ofAccount: (limiter: AttemptLimiter) => boolean, unlockedAt: number | null): Promise<boolean> {
  if (unlockedAt === null) return false;
  let lifted = false;
  for (const [limiter, key] of counters) {
    if (!ofAccount(limiter)) continue;
    const since = await limiter.lockedSince(key);
    // Whole seconds, as unlockedAt is: a lock and an unlock in the same second count as unlocked.
    if (since !== null && Math.floor(since) <= unlockedAt) {
      await limiter.reset(key);
      lifted = true;
    }
  }
  return lifted;
}

/** How many attempts the first (narrowest) counter has seen in its window, this one included. */
export const attemptNumber = (attempt: Attempt & { allowed: true }): number => attempt.taken[0]?.count ?? 1;

/**
 * The address a limit counts: an IPv4 address as it is (an IPv4-mapped IPv6 address as IPv4), and
 * an IPv6 address by its /64 network, which one host or customer usually holds whole (RFC 6177):
 * counting each IPv6 address apart would give such a host billions of fresh allowances.
 */
export function addressBucket(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail] = ip.toLowerCase().split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

const pairKey = (subject: string, ip: string) => `${subject}\u0000${addressBucket(ip)}`;

/** The counters a sign-in from an unknown browser is taken from: username+IP, username, IP. */
export function signInCounters(limiters: FailureLimiters, subject: string, ip: string): Counted[] {
  return [
    [limiters.pair, pairKey(subject, ip)],
    [limiters.ip, addressBucket(ip)],
    [limiters.subject, subject],
  ];
}

/**
 * The password grant: every request comes from the app's server, so its address says nothing about
 * who is guessing. Counted per username through this app, and per username; not per address, or the
 * app's own address would lock all its users at once.
 */
export function appSignInCounters(limiters: FailureLimiters, subject: string, clientId: string): Counted[] {
  return [
    [limiters.pair, `${subject}\u0000client:${clientId}`],
    [limiters.subject, subject],
  ];
}

/** A browser that proved, by its device cookie, that it signed in as `subject` before is counted on its own. */
export function trustedDeviceCounters(limiters: FailureLimiters, subject: string, deviceId: string): Counted[] {
  return [[limiters.device, pairKey(subject, deviceId)]];
}

/** Client authentication and registration tokens: per client (or purpose) and address, and per address. */
export function addressCounters(limiters: AddressLimiters, subject: string, ip: string): Counted[] {
  return [
    [limiters.pair, pairKey(subject, ip)],
    [limiters.ip, addressBucket(ip)],
  ];
}
