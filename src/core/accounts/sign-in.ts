import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from '../context.js';
import type { User } from '../../store/ports.js';
import type { Requester } from '../audit.js';
import { countFailure, forgetFailures, waitBeforeTrying } from '../limits.js';
import { loginRisk, type Risk } from './risk.js';

export type SignInResult = { ok: true; user: User; risk: Risk } | { ok: false; retryAfter?: number };

/** The longest pause after a failed sign-in. */
const MAX_DELAY_MS = 4000;

/**
 * Checks a username and password, for every way of signing in (login pages, password grant).
 * Unknown users, wrong passwords and disabled accounts cost the same work and get the same answer.
 * Failures are counted per username+IP, per username and per IP (config.signInLimits); while any
 * of them is over its limit the password is not even checked, and `retryAfter` says how long.
 */
export async function checkCredentials(ctx: Context, from: Requester, username: string, password: string, clientId: string | null = null): Promise<SignInResult> {
  const subject = username.toLowerCase();
  const limits = ctx.limits.signIn;
  const about = { username: subject, clientId, ip: from.ip, userAgent: from.userAgent };
  const wait = await waitBeforeTrying(limits, subject, from.ip);
  if (wait > 0) {
    await ctx.audit.record({ type: 'login.failure', ...about, reason: 'locked_out' });
    return { ok: false, retryAfter: wait };
  }

  const user = await ctx.stores.users.findByUsername(username);
  const verified = await ctx.passwords.verify(user?.passwordHash, password);
  if (verified && user && !user.disabled) {
    await forgetFailures(limits, subject, from.ip);
    // Argon2 parameters raised since this hash was made: store a new hash while the password is at hand.
    if (ctx.passwords.needsRehash(user.passwordHash)) {
      await ctx.stores.users.update({ ...user, passwordHash: await ctx.passwords.hash(password), updatedAt: ctx.now() });
    }
    // Judged against the history before this sign-in joins it.
    const risk = await loginRisk(ctx, user.id, from);
    await ctx.audit.record({ type: 'login.success', ...about, userId: user.id, reason: 'password' });
    return { ok: true, user, risk };
  }

  const reason = !user ? 'unknown_user' : user.disabled ? 'disabled' : 'wrong_password';
  await ctx.audit.record({ type: 'login.failure', ...about, userId: user?.id ?? null, reason });
  const { count, locked } = await countFailure(limits, subject, from.ip);
  if (locked) {
    await ctx.audit.record({ type: 'login.lockout', outcome: 'failure', ...about, userId: user?.id ?? null, reason: 'too_many_failures' });
    return { ok: false, retryAfter: await waitBeforeTrying(limits, subject, from.ip) };
  }
  // Growing pauses slow down anyone guessing one after another (the locks stop the rest).
  await sleep(Math.min(MAX_DELAY_MS, ctx.config.signInLimits.delayMs * 2 ** Math.max(0, count - 1)));
  return { ok: false };
}

/** What a sign-in form says when the answer is no. */
export function signInRefusal(result: { retryAfter?: number }): string {
  if (result.retryAfter === undefined) return 'Incorrect username or password.';
  const minutes = Math.ceil(result.retryAfter / 60);
  return `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}
