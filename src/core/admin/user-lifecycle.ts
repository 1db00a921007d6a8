import type { User } from '../../store/ports.js';
import { buildUser, buildUserWithoutPassword, checkPassword, type NewUserInput, type PasswordPolicy } from '../accounts/users.js';
import { enabledAgain, endResetLinks, revokeUser } from '../lifecycle/revoke.js';
import type { AdminContext } from './context.js';
import { checkExternalId, findUser, UserNotFoundError, UsernameTakenError } from './users.js';
import { checkName } from '../accounts/users.js';

/**
 * A user's life as operators change it: created, given a password, disabled, enabled, deleted, their
 * second factor reset. One function per operation for every face (CLI, admin API, SCIM, console):
 * each validates, cascades (see core/lifecycle/revoke.ts) and writes its audit event.
 */

/** How new passwords are checked and hashed; each face builds it from its settings (the CLI from the environment). */
export interface PasswordSetting {
  policy: PasswordPolicy;
  hash(password: string): Promise<string>;
}

/** A new user; without `password` they have none of their own (they sign in upstream, or get one later). */
export type NewUser = Omit<NewUserInput, 'password'> & { password?: string; externalId?: string; givenName?: string; familyName?: string };

/** Creates a user; a username held already (in any case) is refused, also when two creations race. */
export async function createUser(admin: AdminContext, input: NewUser, passwords: PasswordSetting): Promise<User> {
  const { stores } = admin;
  if (await stores.users.findByUsername(input.username)) throw new UsernameTakenError(input.username);
  const { password, externalId, givenName, familyName, ...profile } = input;
  if (externalId !== undefined) checkExternalId(externalId);
  if (givenName !== undefined) checkName(givenName);
  if (familyName !== undefined) checkName(familyName);
  const built = password === undefined ? buildUserWithoutPassword(profile, admin.now) : await buildUser({ ...profile, password }, passwords, admin.now, passwords.policy);
  const user: User = { ...built, externalId: externalId ?? null, givenName: givenName?.trim() ?? null, familyName: familyName?.trim() ?? null };
  try {
    await stores.users.create(user);
  } catch (e) {
    // The unique username index: someone took the name since we looked.
    if (await stores.users.findByUsername(input.username)) throw new UsernameTakenError(input.username);
    throw e;
  }
  await admin.audit({ type: 'user.created', userId: user.id, username: user.username });
  return user;
}

/** Sets a new password (checked against the policy first); sessions and tokens stay, reset links sent before end. */
export async function setUserPassword(admin: AdminContext, ref: string, password: string, passwords: PasswordSetting): Promise<User> {
  checkPassword(password, passwords.policy);
  const existing = await findUser(admin.stores, ref);
  const passwordHash = await passwords.hash(password);
  if (!(await admin.stores.users.update(existing.id, { passwordHash }, admin.now))) throw new UserNotFoundError(ref);
  await endResetLinks(admin.stores, existing.id, admin.now);
  await admin.audit({ type: 'user.changed', userId: existing.id, username: existing.username, reason: 'password_set' });
  return { ...existing, passwordHash, updatedAt: admin.now };
}

/** Stops a user from signing in: ends their sessions, forgets their consents and revokes their tokens at once. */
export async function disableUser(admin: AdminContext, ref: string): Promise<User> {
  const existing = await findUser(admin.stores, ref);
  // Disabled already: nothing changes, so nothing is recorded (a double submit is one change).
  if (existing.disabled) return existing;
  await revokeUser(admin.stores, existing, admin.now, 'disable');
  await admin.audit({ type: 'user.changed', userId: existing.id, username: existing.username, reason: 'disabled' });
  return (await admin.stores.users.findById(existing.id)) ?? { ...existing, disabled: true, tokensRevokedAt: admin.now, updatedAt: admin.now };
}

/** Lets a disabled user sign in again; what was revoked stays revoked. */
export async function enableUser(admin: AdminContext, ref: string): Promise<User> {
  const existing = await findUser(admin.stores, ref);
  const updated = existing.disabled ? await enabledAgain(existing, admin.now) : existing;
  if (!existing.disabled) return existing;
  await admin.stores.users.update(existing.id, { disabled: false, tokensRevokedAt: updated.tokensRevokedAt }, updated.updatedAt);
  await admin.audit({ type: 'user.changed', userId: existing.id, username: existing.username, reason: 'enabled' });
  return updated;
}

/**
 * Deletes a user, with the same cascade as disabling; returns the user as they were. Of several
 * deletions of one user at once, one deletes and records `user.deleted`; the others find the row
 * gone and are UserNotFoundError.
 */
export async function deleteUser(admin: AdminContext, ref: string): Promise<User> {
  const existing = await findUser(admin.stores, ref);
  if (!(await revokeUser(admin.stores, existing, admin.now, 'delete'))) throw new UserNotFoundError(ref);
  await admin.audit({ type: 'user.deleted', userId: existing.id, username: existing.username });
  return existing;
}

/**
 * Removes the user's second factor and backup codes: an operator's reset (a lost phone; they set it
 * up again), or the user turning it off themselves (`by: 'user'`, after proving a code; `mfa.disabled`).
 */
export async function resetUserMfa(admin: AdminContext, ref: string, by: 'operator' | 'user' = 'operator'): Promise<{ user: User; removed: boolean }> {
  const user = await findUser(admin.stores, ref);
  const removed = await admin.stores.mfa.delete(user.id);
  if (removed) await admin.audit({ type: by === 'user' ? 'mfa.disabled' : 'mfa.reset', userId: user.id, username: user.username, reason: by === 'user' ? 'self_service' : 'operator' });
  return { user, removed };
}
