import { setTimeout as sleep } from 'node:timers/promises';
import { msg, type Message } from '../message.js';
import type { Context } from '../context.js';
import type { User } from '../../store/ports.js';
import type { Requester } from '../audit.js';
import { retryLater, type CookieToSet, type ProtocolResponse } from '../protocol.js';
import { addressBucket, appSignInCounters, attemptNumber, checkAttempt, failedAttempt, giveBack, liftUnlocked, signInCounters, succeededAttempt, takeAttempt, trustedDeviceCounters, type Counted } from '../limits.js';
import { loginRisk, type Risk } from './risk.js';
import { PasswordHashingBusy } from './password-gate.js';
import { rememberDevice, trustedDevice } from './device-cookie.js';
import { checkPassword, type PasswordCheck } from '../federation/password-sources.js';

export type SignInResult =
  | { ok: true; user: User; risk: Risk; cookies: CookieToSet[] }
  /**
   * `retryAfter` while locked; `busy` when the server has too many password checks running (503);
   * `refusal` when the password was not the question: a directory did not answer, or refused a right password.
   */
  | { ok: false; retryAfter?: number; busy?: boolean; refusal?: Refusal };

/** Why a sign-in was refused other than for a wrong password. */
export type Refusal = 'directory_unavailable' | 'directory_disabled' | 'password_expired' | 'username_taken';

export interface SignInOptions {
  clientId?: string | null;
  /** The password grant: the request comes from this app's server, not from the person. */
  viaApp?: string;
  /** A sign-in from a browser: its device cookie (absent for the password grant, which has no browser). */
  browser?: { deviceCookie: string | undefined };
}

/** The longest pause after a failed sign-in. */
const MAX_DELAY_MS = 4000;

/**
 * Checks a username and password, for every way of signing in (login pages, password grant).
 * Unknown users, wrong passwords and disabled accounts cost the same work and get the same answer.
 * The attempt is counted before the password is checked (per username+IP, per username and per
 * IP; or, from a browser that signed in to this account before, per device), so concurrent
 * guesses cannot outrun the limits; while one is spent the password is not even checked.
 */
export async function checkCredentials(ctx: Context, from: Requester, username: string, password: string, options: SignInOptions = {}): Promise<SignInResult> {
  const subject = username.toLowerCase();
  const limits = ctx.limits.signIn;
  const about = { username: subject, clientId: options.clientId ?? null, ip: from.ip, userAgent: from.userAgent };
  const device = options.browser ? trustedDevice(ctx, options.browser.deviceCookie, subject) : undefined;
  const counters = device ? trustedDeviceCounters(limits, subject, device) : options.viaApp !== undefined ? appSignInCounters(limits, subject, options.viaApp) : signInCounters(limits, subject, from.ip);
  let attempt = await takeAttempt(counters);
  if (!attempt.allowed && (await unlockedByOperator(ctx, subject, counters))) attempt = await takeAttempt(counters);
  if (!attempt.allowed) {
    await ctx.audit.record({ type: 'login.failure', ...about, reason: 'locked_out' });
    return { ok: false, retryAfter: attempt.retryAfter };
  }

  let check: PasswordCheck;
  try {
    check = await checkAttempt(attempt, () => checkPassword(ctx, username, password, addressBucket(from.ip)));
  } catch (e) {
    if (!(e instanceof PasswordHashingBusy)) throw e;
    // Not checked, so not a failure (its points went back).
    await ctx.audit.record({ type: 'login.failure', ...about, reason: 'server_busy' });
    return { ok: false, busy: true, retryAfter: e.retryAfter };
  }
  if (check.status === 'ok') {
    const { user } = check;
    await succeededAttempt(attempt);
    if (check.via === 'password') await rehashIfNeeded(ctx, user, password);
    // Judged against the history before this sign-in joins it.
    const risk = await loginRisk(ctx, user.id, from);
    await ctx.stores.users.recordSignIn(user.id, ctx.now());
    await ctx.audit.record({ type: 'login.success', ...about, userId: user.id, reason: check.via });
    return { ok: true, user, risk, cookies: options.browser ? [rememberDevice(ctx, options.browser.deviceCookie, subject)] : [] };
  }
  if (check.status !== 'wrong') {
    // Nothing was guessed: a directory did not answer, or the password was right but the account cannot sign in.
    await giveBack(attempt);
    const refusal: Refusal = check.status === 'unavailable' ? 'directory_unavailable' : check.status === 'username_taken' ? 'username_taken' : check.reason === 'disabled' ? 'directory_disabled' : 'password_expired';
    await ctx.audit.record({ type: 'login.failure', ...about, reason: `${refusal}:${check.provider}` });
    return { ok: false, refusal };
  }

  const { user, reason } = check;
  await ctx.audit.record({ type: 'login.failure', ...about, userId: user?.id ?? null, reason });
  const { retryAfter } = await failedAttempt(attempt);
  if (retryAfter > 0) {
    if (user) await ctx.stores.users.recordLock(user.id, ctx.now() + retryAfter);
    await ctx.audit.record({ type: 'login.lockout', outcome: 'failure', ...about, userId: user?.id ?? null, reason: device ? 'too_many_failures_on_device' : 'too_many_failures' });
    return { ok: false, retryAfter };
  }
  // Growing pauses slow down anyone guessing one after another (the locks stop the rest).
  await sleep(Math.min(MAX_DELAY_MS, ctx.config.signInLimits.delayMs * 2 ** Math.max(0, attemptNumber(attempt) - 1)));
  return { ok: false };
}

/**
 * A refused attempt: whether an operator unlocked this username's account since its counters
 * locked (they are then reset). Only refused attempts read the store for it; if the read fails,
 * the locks hold.
 */
async function unlockedByOperator(ctx: Context, subject: string, counters: readonly Counted[]): Promise<boolean> {
  const user = await ctx.stores.users.findByUsername(subject).catch(() => undefined);
  if (!user?.unlockedAt) return false;
  return liftUnlocked(counters, (limiter) => limiter !== ctx.limits.signIn.ip, user.unlockedAt);
}

/** Argon2 parameters raised since this hash was made: store a new hash while the password is at hand (skipped when busy). */
async function rehashIfNeeded(ctx: Context, user: User, password: string): Promise<void> {
  if (!ctx.passwords.needsRehash(user.passwordHash)) return;
  try {
    // Only the hash, and only while it is the one just checked: never the rest of a row read before argon2 ran.
    await ctx.stores.users.setPasswordHash(user.id, user.passwordHash, await ctx.passwords.hash(password), ctx.now());
  } catch (e) {
    if (!(e instanceof PasswordHashingBusy)) throw e;
  }
}

/** The message of each refusal (catalog namespace `login`). */
const REFUSALS: Record<Refusal, string> = {
  directory_unavailable: 'login:refusal.directoryUnavailable',
  directory_disabled: 'login:refusal.directoryDisabled',
  password_expired: 'login:refusal.passwordExpired',
  username_taken: 'login:refusal.usernameTaken',
};

/** What a sign-in form says when the answer is no. */
export function signInRefusal(result: { retryAfter?: number; busy?: boolean; refusal?: Refusal }): Message {
  if (result.refusal) return msg(REFUSALS[result.refusal]);
  if (result.busy) return msg('login:refusal.busy');
  if (result.retryAfter === undefined) return msg('login:refusal.incorrect');
  return msg('login:refusal.locked', { count: Math.ceil(result.retryAfter / 60) });
}

/** A refused sign-in's page, answered 503 while the server is busy, 429 while locked, else as it is. */
export function refusedSignIn(answer: ProtocolResponse, result: { retryAfter?: number; busy?: boolean; refusal?: Refusal }): ProtocolResponse {
  if (result.busy) return retryLater(answer, 503, result.retryAfter ?? 1);
  if (result.refusal === 'directory_unavailable') return retryLater(answer, 503, 30);
  return result.retryAfter === undefined ? answer : retryLater(answer, 429, result.retryAfter);
}
