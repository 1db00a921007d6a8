import type { FederatedIdentity, Stores, User, UserChanges } from '../../store/ports.js';
import { isLanguageTag } from '../locale.js';
import { AccountError, checkEmail, checkName, checkUsername, userView } from '../accounts/users.js';
import { applyAttributeChanges, checkAttributeKey, checkAttributeValue } from '../accounts/attributes.js';
import type { AdminContext } from './context.js';
import { NotFoundError } from './errors.js';
import { endResetLinks } from '../lifecycle/revoke.js';

/**
 * Managing users: one function per operation, for every face (CLI, admin API, SCIM, console).
 * Creating, disabling, enabling, deleting users and setting passwords live in user-lifecycle.ts.
 */

/** A username another user holds already (case-insensitively): SCIM answers 409 uniqueness. */
export class UsernameTakenError extends AccountError {
  override name = 'UsernameTakenError';
  constructor(username: string) {
    super(`username '${username}' is taken`);
  }
}
export class UserNotFoundError extends NotFoundError {
  override name = 'UserNotFoundError';
  constructor(ref: string) {
    super(`no user '${ref}'`);
  }
}

/**
 * A user by sub, else by username (case-insensitive). The sub comes first: it is unique and never
 * changes, while a username is chosen (an account made at first sign-in takes the upstream's), so a
 * username that happens to be another user's sub must never redirect a grant to its holder.
 */
export async function findUser(stores: Stores, ref: string): Promise<User> {
  const user = (await stores.users.findById(ref)) ?? (await stores.users.findByUsername(ref));
  if (!user) throw new UserNotFoundError(ref);
  return user;
}

/** What an operator changes; absent fields stay. null clears email or name; an attribute set to null is removed. */
export interface UserUpdate {
  username?: string;
  email?: string | null;
  emailVerified?: boolean;
  name?: string | null;
  attributes?: Record<string, string | null>;
  /** A provisioning client's id for the user, and the parts of the name it sends (SCIM); null clears. */
  externalId?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  /** The language the user reads (a BCP 47 tag, the OIDC `locale` claim; SCIM `preferredLanguage`); null clears. */
  locale?: string | null;
}

/** A provisioning client's id: any text up to 255 characters, without control characters. */
export function checkExternalId(externalId: string): void {
  if (externalId === '' || externalId.length > 255 || /[\u0000-\u001f\u007f]/.test(externalId)) throw new AccountError('externalId must be 1 to 255 characters of text');
}

function checkUpdate(input: UserUpdate): void {
  if (input.username !== undefined) checkUsername(input.username);
  if (typeof input.email === 'string') checkEmail(input.email);
  if (typeof input.name === 'string') checkName(input.name);
  if (typeof input.externalId === 'string') checkExternalId(input.externalId);
  if (typeof input.givenName === 'string') checkName(input.givenName);
  if (typeof input.familyName === 'string') checkName(input.familyName);
  if (typeof input.locale === 'string' && !isLanguageTag(input.locale)) throw new AccountError('locale must be a language tag such as en, de or fr-CA');
  for (const [key, value] of Object.entries(input.attributes ?? {})) {
    checkAttributeKey(key);
    if (value !== null) checkAttributeValue(key, value);
  }
}

/** The changes `input` makes to `user` (only fields whose value differs). */
function changesTo(user: User, input: UserUpdate): UserChanges {
  const changes: UserChanges = {};
  if (input.username !== undefined && input.username !== user.username) changes.username = input.username;
  const name = typeof input.name === 'string' ? input.name.trim() : input.name;
  if (name !== undefined && name !== user.name) changes.name = name;
  if (input.externalId !== undefined && input.externalId !== user.externalId) changes.externalId = input.externalId;
  for (const part of ['givenName', 'familyName'] as const) {
    const value = typeof input[part] === 'string' ? input[part].trim() : input[part];
    if (value !== undefined && value !== user[part]) changes[part] = value;
  }
  if (input.locale !== undefined && input.locale !== (user.locale ?? null)) changes.locale = input.locale;
  const emailChanges = input.email !== undefined && input.email !== user.email;
  if (emailChanges) changes.email = input.email ?? null;
  // A new address is not verified unless the operator says it is.
  const verified = input.emailVerified ?? (emailChanges ? false : user.emailVerified);
  if (verified !== user.emailVerified) changes.emailVerified = verified;
  if (input.attributes !== undefined) {
    const next = applyAttributeChanges(user.attributes, input.attributes);
    const same = Object.keys(next).length === Object.keys(user.attributes).length && Object.entries(next).every(([k, v]) => user.attributes[k] === v);
    if (!same) changes.attributes = next;
  }
  return changes;
}

export async function refuseTakenUsername(stores: Stores, user: User, username: string): Promise<void> {
  const holder = await stores.users.findByUsername(username);
  if (holder && holder.id !== user.id) throw new UsernameTakenError(username);
}

/**
 * Changes a user's profile. `sub` never changes; a username only to one nobody else has
 * (case-insensitively). Only the fields that change are written, and attributes only over the
 * ones read, so concurrent updates of other fields or attributes are never lost.
 */
export async function updateUser(admin: AdminContext, ref: string, input: UserUpdate): Promise<User> {
  checkUpdate(input);
  for (let attempt = 0; attempt < 5; attempt++) {
    const user = await findUser(admin.stores, ref);
    const changes = changesTo(user, input);
    const fields = Object.keys(changes);
    if (fields.length === 0) return user;
    if (changes.username !== undefined) await refuseTakenUsername(admin.stores, user, changes.username);
    let written: boolean;
    try {
      written = await admin.stores.users.update(user.id, changes, admin.now, changes.attributes ? { attributes: user.attributes } : undefined);
    } catch (e) {
      // The unique username index: someone took the name since we looked.
      if (changes.username !== undefined) await refuseTakenUsername(admin.stores, user, changes.username);
      throw e;
    }
    if (written) {
      // Reset links already sent went to the old address: they end with it. So do confirmation links
      // sent before: one followed later would take the account back to the address it proves.
      if ('email' in changes) {
        await endResetLinks(admin.stores, user.id, admin.now);
        await admin.stores.accountTokens.consumeAllOf(user.id, 'email_verification', admin.now);
      }
      // Field names only, never values.
      await admin.audit({ type: 'user.changed', userId: user.id, username: changes.username ?? user.username, reason: `updated:${fields.join(',')}` });
      const { locale, ...rest } = changes;
      const changed: User = { ...user, ...rest, updatedAt: admin.now };
      if (locale === null) delete changed.locale;
      else if (locale !== undefined) changed.locale = locale;
      return changed;
    }
    if (!(await admin.stores.users.findById(user.id))) throw new UserNotFoundError(ref);
    // The attributes changed meanwhile: compute the change again from a fresh read.
  }
  throw new AccountError(`user '${ref}' kept changing meanwhile; try again`);
}

/**
 * Lifts the user's sign-in and second-factor locks, so they can sign in at once. The locks live in
 * the server's limiter (memory or Redis); the unlock is recorded in the store, and the server
 * resets the user's counters that locked before it at their next attempt (see liftUnlocked).
 * Locks of an address as a whole (many usernames tried from it) are not the user's and stay.
 */
export async function unlockUser(admin: AdminContext, ref: string): Promise<User> {
  const user = await findUser(admin.stores, ref);
  const wasLocked = user.lockedUntil !== null && user.lockedUntil > admin.now;
  if (!(await admin.stores.users.update(user.id, { lockedUntil: null, unlockedAt: admin.now }, admin.now))) throw new UserNotFoundError(ref);
  await admin.audit({ type: 'user.unlocked', userId: user.id, username: user.username, reason: wasLocked ? 'was_locked' : 'not_locked' });
  return { ...user, lockedUntil: null, unlockedAt: admin.now, updatedAt: admin.now };
}

export interface LinkedIdentity {
  /** The provider's name (its id when it is gone). */
  provider: string;
  subject: string;
  lastSignInAt: number;
}

/** Everything an operator sees about a user. */
export interface UserDescription {
  user: User;
  mfa: { totp: 'enrolled' | 'pending' | 'none'; enrolledAt: number | null; backupCodesRemaining: number };
  /** Until when sign-ins are locked, as the server last recorded it; null when not locked now. */
  lockedUntil: number | null;
  identities: LinkedIdentity[];
}

export async function describeUser(stores: Stores, ref: string, now: number): Promise<UserDescription> {
  const user = await findUser(stores, ref);
  const [mfa, links] = await Promise.all([stores.mfa.find(user.id), stores.federatedIdentities.listByUser(user.id)]);
  const identities = await Promise.all(links.map(async (link: FederatedIdentity) => ({
    provider: (await stores.identityProviders.findById(link.providerId))?.name ?? link.providerId,
    subject: link.subject,
    lastSignInAt: link.lastSignInAt,
  })));
  return {
    user,
    mfa: {
      totp: mfa === undefined ? 'none' : mfa.enabledAt === null ? 'pending' : 'enrolled',
      enrolledAt: mfa?.enabledAt ?? null,
      backupCodesRemaining: mfa?.enabledAt ? mfa.backupCodeHashes.length : 0,
    },
    lockedUntil: user.lockedUntil !== null && user.lockedUntil > now ? user.lockedUntil : null,
    identities,
  };
}

/** A user as `user show --json` and the admin API show them: the profile, then what the server knows of their sign-ins (times in Unix seconds). */
export function describedUserView(d: UserDescription): Record<string, unknown> {
  return {
    ...userView(d.user),
    last_sign_in_at: d.user.lastSignInAt,
    locked_until: d.lockedUntil,
    mfa: { totp: d.mfa.totp, enrolled_at: d.mfa.enrolledAt, backup_codes_remaining: d.mfa.backupCodesRemaining },
    identities: d.identities.map((i) => ({ provider: i.provider, subject: i.subject, last_sign_in_at: i.lastSignInAt })),
  };
}
