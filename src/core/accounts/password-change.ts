import type { Context } from '../context.js';
import { msg, type Message } from '../message.js';
import type { Requester } from '../audit.js';
import { AccountError, checkPassword, type PasswordPolicy } from './users.js';
import { checkCredentials, type SignInResult } from './sign-in.js';
import { PasswordHashingBusy } from './password-gate.js';
import { endResetLinks, signOutElsewhere } from '../lifecycle/revoke.js';

/** What a signed-in user's change of their own password came to. */
export type PasswordChange =
  | { status: 'changed'; otherSessionsEnded: number }
  /** The current password was wrong, or not checked (locked, busy, a directory down): `result` says which. */
  | { status: 'refused'; result: SignInResult & { ok: false } }
  /** The new password does not meet the policy. */
  | { status: 'weak'; message: Message }
  /** Another change won meanwhile (a second tab, a double submit): nothing was written. */
  | { status: 'changed_meanwhile' }
  /** The user's password is not kept here (a directory's, or none). */
  | { status: 'not_here' };

/**
 * Changes the password of the user signed in with `sessionHash`. The current password is checked
 * exactly like a sign-in (checkCredentials: counted before it is checked, locked after too many
 * failures), so this form cannot be used to guess it faster than the login page. The new hash is
 * written only while the stored hash is still the one just checked: of concurrent changes one
 * wins, and the others change nothing. Then every other session, refresh token and recorded
 * access token of the user ends, and so do the reset links sent before; the session that made the change stays.
 */
export async function changeOwnPassword(
  ctx: Context,
  from: Requester,
  who: { userId: string; username: string; sessionHash: string },
  current: string,
  next: string,
  policy: PasswordPolicy,
): Promise<PasswordChange> {
  const stored = await ctx.stores.users.findById(who.userId);
  if (!stored || stored.passwordHash === '') return { status: 'not_here' };
  const checked = await checkCredentials(ctx, from, who.username, current);
  if (!checked.ok) return { status: 'refused', result: checked };
  // The username matched another account, or a directory answered for it: not this user's own password.
  if (checked.user.id !== who.userId || checked.user.passwordHash === '') return { status: 'not_here' };
  try {
    checkPassword(next, policy);
  } catch (e) {
    if (e instanceof AccountError) return { status: 'weak', message: e.said ?? msg('security:error.passwordRejected', { reason: e.message }) };
    throw e;
  }
  if (next === current) return { status: 'weak', message: msg('security:error.passwordSame') };
  let nextHash: string;
  try {
    nextHash = await ctx.passwords.hash(next);
  } catch (e) {
    if (e instanceof PasswordHashingBusy) return { status: 'refused', result: { ok: false, busy: true, retryAfter: e.retryAfter } };
    throw e;
  }
  const now = ctx.now();
  if (!(await ctx.stores.users.setPasswordHash(who.userId, checked.user.passwordHash, nextHash, now))) {
    // A sign-in may have rehashed the same password meanwhile (new argon2 parameters): then it is still the current one.
    const again = await ctx.stores.users.findById(who.userId);
    const stillCurrent = again !== undefined && again.passwordHash !== '' && (await ctx.passwords.verify(again.passwordHash, current, from.ip).catch(() => false));
    if (!again || !stillCurrent || !(await ctx.stores.users.setPasswordHash(who.userId, again.passwordHash, nextHash, now))) return { status: 'changed_meanwhile' };
  }
  // Links sent before the change would undo it (a read mailbox is a reason to change a password).
  await endResetLinks(ctx.stores, who.userId, now);
  const otherSessionsEnded = await signOutElsewhere(ctx.stores, who.userId, who.sessionHash, now);
  await ctx.audit.record({ type: 'password.changed', userId: who.userId, username: who.username, ...from, reason: `self_service:sessions_ended:${otherSessionsEnded}` });
  return { status: 'changed', otherSessionsEnded };
}
