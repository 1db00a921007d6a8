import { randomUUID } from 'node:crypto';
import type { Context } from '../context.js';
import type { FederatedIdentity, User } from '../../store/ports.js';
import type { ResolvedProvider } from './providers.js';

/** What a provider says about the user who signed in there, whatever its kind. */
export interface ProvidedIdentity {
  subject: string;
  username: string | null;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  groups: string[];
}

export type AccountOutcome =
  | { status: 'ok'; user: User; created: boolean }
  /** The Tessera user this identity is linked to was disabled by an operator. */
  | { status: 'disabled' }
  /** A local account has the same address: the user must prove it (its password) before it is linked. */
  | { status: 'link_needed' }
  /** A directory's username is taken by a local account not linked to this directory. */
  | { status: 'username_taken' };

/** The identity's user, updated with what the provider says now; undefined when not linked (or its user is gone). */
async function linkedUser(ctx: Context, provider: ResolvedProvider, seen: ProvidedIdentity): Promise<User | undefined> {
  const identity = await ctx.stores.federatedIdentities.find(provider.id, seen.subject);
  if (!identity) return undefined;
  const user = await ctx.stores.users.findById(identity.userId);
  if (!user) {
    // The user was deleted by an operator: the old link goes, and the identity starts afresh.
    await ctx.stores.federatedIdentities.unlink(provider.id, seen.subject, identity.userId);
    return undefined;
  }
  await ctx.stores.federatedIdentities.touch(provider.id, seen.subject, { username: seen.username, email: seen.email, groups: seen.groups }, ctx.now());
  // The directory or provider is where these fields are kept: each sign-in brings them up to date.
  const changes: { email?: string | null; name?: string | null } = {};
  if (seen.email !== null && seen.email !== user.email) changes.email = seen.email;
  if (seen.name !== null && seen.name !== user.name) changes.name = seen.name;
  if (Object.keys(changes).length > 0) await ctx.stores.users.update(user.id, changes, ctx.now());
  return { ...user, ...changes };
}

/** Links the identity to `user`; false when a concurrent sign-in linked it first. */
export async function linkIdentity(ctx: Context, provider: ResolvedProvider, seen: ProvidedIdentity, user: User): Promise<boolean> {
  const now = ctx.now();
  const identity: FederatedIdentity = { providerId: provider.id, subject: seen.subject, userId: user.id, username: seen.username, email: seen.email, groups: seen.groups, createdAt: now, lastSignInAt: now };
  return ctx.stores.federatedIdentities.link(identity);
}

/** A new Tessera user for a first sign-in: no local password (it signs in only through its provider). */
async function createLinkedUser(ctx: Context, provider: ResolvedProvider, seen: ProvidedIdentity, username: string): Promise<AccountOutcome | undefined> {
  const now = ctx.now();
  const user: User = {
    id: randomUUID(),
    username,
    email: seen.email,
    emailVerified: seen.email !== null && seen.emailVerified,
    name: seen.name,
    passwordHash: '',
    disabled: false,
    tokensRevokedAt: null,
    attributes: {},
    lastSignInAt: null,
    externalId: null,
    givenName: null,
    familyName: null,
    lockedUntil: null,
    unlockedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await ctx.stores.users.create(user);
  } catch {
    // The username was taken meanwhile (unique): let the caller look again.
    return undefined;
  }
  if (await linkIdentity(ctx, provider, seen, user)) return { status: 'ok', user, created: true };
  // A concurrent first sign-in of the same identity linked its own user first: use that one.
  await ctx.stores.users.delete(user.id);
  return undefined;
}

/**
 * The Tessera user of a directory sign-in: the one linked to (directory, stable id), or a new one
 * created now (just in time) with the directory's username. A local account with that username is
 * never taken over: it is not this directory's user until an operator says so.
 */
export async function directoryAccount(ctx: Context, provider: ResolvedProvider, seen: ProvidedIdentity & { username: string }): Promise<AccountOutcome> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const user = await linkedUser(ctx, provider, seen);
    if (user) return user.disabled ? { status: 'disabled' } : { status: 'ok', user, created: false };
    if (await ctx.stores.users.findByUsername(seen.username)) return { status: 'username_taken' };
    const created = await createLinkedUser(ctx, provider, seen, seen.username);
    if (created) return created;
  }
  return { status: 'username_taken' };
}

/** A username for a new account: what the provider calls the user, made unique with a number if needed. */
async function freeUsername(ctx: Context, provider: ResolvedProvider, seen: ProvidedIdentity): Promise<string> {
  const wanted = (seen.username ?? seen.email?.split('@')[0] ?? `${provider.name}-${seen.subject}`).replace(/[^\p{L}\p{N}._@-]/gu, '').slice(0, 60) || `${provider.name}-user`;
  for (let n = 1; n < 100; n++) {
    const candidate = n === 1 ? wanted : `${wanted}-${n}`;
    if (!(await ctx.stores.users.findByUsername(candidate))) return candidate;
  }
  return `${wanted}-${randomUUID().slice(0, 8)}`;
}

/**
 * The Tessera user of an upstream (OpenID, OAuth 2.0) sign-in: the one linked to (provider,
 * subject); or, for a first sign-in, the local account with the same address only when the operator
 * trusts this provider's addresses (`--trust-email`) and the provider says the address is
 * verified; or the user proves that account first (link_needed); or a new account.
 */
export async function upstreamAccount(ctx: Context, provider: ResolvedProvider, seen: ProvidedIdentity): Promise<AccountOutcome> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const user = await linkedUser(ctx, provider, seen);
    if (user) return user.disabled ? { status: 'disabled' } : { status: 'ok', user, created: false };
    const sameAddress = seen.email === null ? [] : await ctx.stores.users.listByEmail(seen.email);
    if (sameAddress.length > 0) {
      const [only] = sameAddress;
      if (!(provider.trustEmail && seen.emailVerified && sameAddress.length === 1 && only)) return { status: 'link_needed' };
      if (only.disabled) return { status: 'disabled' };
      if (await linkIdentity(ctx, provider, seen, only)) return { status: 'ok', user: only, created: false };
      continue;
    }
    const created = await createLinkedUser(ctx, provider, seen, await freeUsername(ctx, provider, seen));
    if (created) return created;
  }
  return { status: 'link_needed' };
}
