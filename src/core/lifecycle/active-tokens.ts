import type { Context } from '../context.js';
import type { Client } from '../clients/client.js';
import { sha256 } from '../crypto.js';
import { readAccessToken, type AccessTokenClaims } from '../tokens/access-token.js';
import type { RefreshRecord, User } from '../../store/ports.js';
import { voidedBy } from './revoke.js';

export interface ActiveAccessToken {
  claims: AccessTokenClaims;
  client: Client;
  /** The user the token acts for; undefined for a client's own token (client_credentials). */
  user?: User;
}

/** RFC 9068 §2.2: a token a client got for itself has the client as its subject. */
export const isClientToken = (claims: AccessTokenClaims): boolean => claims.sub === claims.clientId;

/** The client and user behind a token, if both still exist, are enabled and have not voided tokens issued at `issuedAt`. */
async function liveParties(ctx: Context, clientId: string, userId: string | undefined, issuedAt: number): Promise<{ client: Client; user?: User } | undefined> {
  const [client, user] = await Promise.all([ctx.stores.clients.find(clientId), userId === undefined ? undefined : ctx.stores.users.findById(userId)]);
  if (!client || client.disabled || voidedBy(issuedAt, client.tokensRevokedAt)) return undefined;
  if (userId === undefined) return { client };
  if (!user || user.disabled || voidedBy(issuedAt, user.tokensRevokedAt)) return undefined;
  return { client, user };
}

/**
 * An access token that is still good: signed by us, unexpired, not on the revocation list, and
 * its client and user still active. What userinfo and introspection accept.
 */
export async function activeAccessToken(ctx: Context, token: string): Promise<ActiveAccessToken | undefined> {
  const claims = await readAccessToken(ctx.config, ctx.keys, token, ctx.now());
  if (!claims) return undefined;
  const [revoked, parties] = await Promise.all([
    ctx.stores.accessTokens.isRevoked(claims.jti),
    liveParties(ctx, claims.clientId, isClientToken(claims) ? undefined : claims.sub, claims.iat),
  ]);
  if (revoked || !parties) return undefined;
  return { claims, ...parties };
}

/** A refresh token that can still be used: not rotated out, revoked or expired, its client and user active. */
export async function activeRefreshToken(ctx: Context, token: string): Promise<RefreshRecord | undefined> {
  const record = await ctx.stores.refreshTokens.find(sha256(token));
  if (!record || record.revokedAt !== null || record.rotatedAt !== null || record.expiresAt <= ctx.now()) return undefined;
  // The durable marks decide, not only the sweeps: a revocation cut short still counts.
  const [parties, grant, familyRevoked] = await Promise.all([
    liveParties(ctx, record.clientId, record.userId, record.createdAt),
    record.grantId === null ? undefined : ctx.stores.grants.findById(record.grantId),
    ctx.stores.revokedFamilies.isRevoked(record.familyId),
  ]);
  if (!parties || familyRevoked || (record.grantId !== null && !grant)) return undefined;
  return record;
}

/** Refresh tokens are opaque; our access tokens are JWTs (three dot-separated parts). The format decides, not the hint. */
export const looksLikeJwt = (token: string): boolean => token.split('.').length === 3;
