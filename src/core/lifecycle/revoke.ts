import type { Client } from '../clients/client.js';
import type { Stores, User } from '../../store/ports.js';
import type { Config } from '../config.js';
import { tokenLifetimes } from '../tokens/lifetimes.js';
import { LIFETIMES } from '../lifetime-rules.js';

/**
 * What each action revokes (docs/token-lifecycle.md is the readable version of this file).
 * Every function takes the stores and the time only, so the server and the CLI share them.
 */

/**
 * The password reset links a user was sent (docs/accounts.md). They end once used, and also when
 * the password they would replace is changed another way, or the address they went to stops being
 * the user's: whoever reads that mailbox then cannot set the password any more.
 */
export async function endResetLinks(stores: Stores, userId: string, now: number): Promise<number> {
  return stores.accountTokens.consumeAllOf(userId, 'password_reset', now);
}

/**
 * One family, the lineage of one authorization code: its refresh tokens and the access tokens issued
 * in it. The durable mark comes first and is committed before the sweeps: a request issuing in this
 * family at the same instant checks the mark after writing its tokens (see issueUserTokens), so it
 * either sees the mark or wrote its tokens before the sweeps look. `markUntil`: past the expiry of
 * any token the family can hold.
 */
export async function revokeFamily(stores: Stores, familyId: string, now: number, markUntil: number): Promise<void> {
  await stores.revokedFamilies.mark(familyId, now, markUntil);
  await stores.refreshTokens.revokeWhere({ familyId }, now);
  await stores.accessTokens.revokeWhere({ familyId });
}

/** How long a family's revocation mark must last: past the expiry of tokens issued in it (to its client) at the moment of the revocation. */
export function familyMarkUntil(config: Pick<Config, 'ttl'>, now: number, client: Pick<Client, 'lifetimes'>): number {
  // An API may set its own access token lifetime: the bound on every JWT covers whichever API the family was for.
  const jwtBound = Math.max(LIFETIMES.accessToken.max, LIFETIMES.idToken.max);
  return now + Math.max(tokenLifetimes(config, client).refreshToken, jwtBound) + 60;
}

/**
 * A user's consent to a client, and everything issued under it. The grant goes first: token
 * requests check it after recording what they issued, so a request racing this one either sees
 * the grant gone or has its tokens already recorded for the sweeps below.
 */
export async function revokeGrant(stores: Stores, grantId: string, now: number): Promise<void> {
  await stores.grants.delete(grantId);
  await stores.refreshTokens.revokeWhere({ grantId }, now);
  await stores.accessTokens.revokeWhere({ grantId });
}

/**
 * A disabled or deleted user: consents forgotten, refresh tokens revoked, sessions and password reset links ended, and
 * every access token issued until now void (`tokensRevokedAt`, checked by introspection and
 * userinfo). Enabling the user again revives none of it. Answers whether this call deleted (or
 * marked) the user's row: false when it was gone already (a concurrent delete); the sweeps run anyway.
 */
export async function revokeUser(stores: Stores, user: User, now: number, action: 'disable' | 'delete'): Promise<boolean> {
  const done = action === 'delete' ? await stores.users.delete(user.id) : await stores.users.update(user.id, { disabled: true, tokensRevokedAt: now }, now);
  for (const grantId of await stores.grants.deleteWhere({ userId: user.id })) await stores.accessTokens.revokeWhere({ grantId });
  await stores.refreshTokens.revokeWhere({ userId: user.id }, now);
  await stores.sessions.destroyForUser(user.id);
  // A reset link is a way in too: it must not come back when the user is enabled again.
  await endResetLinks(stores, user.id, now);
  return done;
}

/**
 * A user's password changed (or was reset): everything a thief with the old password may hold ends,
 * except the session `keepSession` that made the change. Refresh tokens are revoked, the access
 * tokens recorded under each consent too; the consents stay (the user still allows those apps).
 * Sessions are listed after the password is written, so one signed in with the old password
 * before that is ended. Returns how many other sessions were ended.
 */
export async function signOutElsewhere(stores: Stores, userId: string, keepSession: string | null, now: number): Promise<number> {
  await stores.refreshTokens.revokeWhere({ userId }, now);
  for (const grant of await stores.grants.listByUser(userId)) await stores.accessTokens.revokeWhere({ grantId: grant.grantId });
  let ended = 0;
  for (const session of await stores.sessions.listByUser(userId, now)) {
    if (session.idHash !== keepSession && (await stores.sessions.destroyOfUser(session.idHash, userId))) ended++;
  }
  return ended;
}

/**
 * Everything a user is signed in with, ended, the account itself left as it is (a password reset):
 * consents forgotten with the tokens issued under them (an intruder may have allowed apps), every
 * refresh token revoked and every SSO session ended. Returns how many sessions ended.
 */
export async function revokeUserAccess(stores: Stores, userId: string, now: number): Promise<number> {
  for (const grantId of await stores.grants.deleteWhere({ userId })) await stores.accessTokens.revokeWhere({ grantId });
  await stores.refreshTokens.revokeWhere({ userId }, now);
  return stores.sessions.destroyForUser(userId);
}

/** A disabled or deleted client: the same for every grant and token of the client, client_credentials tokens included. */
export async function revokeClient(stores: Stores, client: Client, now: number, action: 'disable' | 'delete'): Promise<void> {
  if (action === 'delete') await stores.clients.delete(client.clientId);
  else await stores.clients.setState(client.clientId, { disabled: true, tokensRevokedAt: now }, now);
  await revokeClientGrants(stores, client.clientId, now);
}

/**
 * The sweeps of revokeClient, for a caller that already wrote the client's mark (`disabled` and
 * `tokensRevokedAt`, or its deletion) in a write of its own: they must come after it.
 */
export async function revokeClientGrants(stores: Stores, clientId: string, now: number): Promise<void> {
  for (const grantId of await stores.grants.deleteWhere({ clientId })) await stores.accessTokens.revokeWhere({ grantId });
  await stores.refreshTokens.revokeWhere({ clientId }, now);
}

/**
 * A disabled client or user, enabled again. The revocation mark moves to now: no token issued
 * while it was disabled can be legitimate (one may have raced the disable, or come from a server
 * whose clock runs ahead), so enabling voids those too. Then it waits until the clock is past the
 * mark, or the first tokens issued afterwards, within the same second, would be void (`iat` is in
 * whole seconds).
 */
export async function enabledAgain<T extends { disabled: boolean; tokensRevokedAt: number | null; updatedAt: number }>(record: T, now: number): Promise<T> {
  const wait = (now + 1) * 1000 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  return { ...record, disabled: false, tokensRevokedAt: now, updatedAt: now };
}

/** True when a token issued at `issuedAt` was voided by a revocation mark (marks are in whole seconds, so equal counts as before). */
export function voidedBy(issuedAt: number, revokedAt: number | null): boolean {
  return revokedAt !== null && issuedAt <= revokedAt;
}
