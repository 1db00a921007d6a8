import type { Context } from '../context.js';
import type { Client } from '../clients/client.js';
import { OAuthError } from '../errors.js';
import { randomToken, sha256 } from '../crypto.js';
import { formatScope } from '../scopes.js';
import { issueAccessToken } from '../tokens/access-token.js';
import { scopesFor } from '../apis/resources.js';
import { entitlementsFor, groupsOfUser, withinRoles, withinRolesOfDefiningApis } from '../access/entitlements.js';
import { extraUserClaims } from '../access/claims.js';
import { issueIdToken } from '../tokens/id-token.js';
import type { ApiRecord, RefreshRecord, User } from '../../store/ports.js';
import type { TokenResponse } from './grant.js';
import { familyMarkUntil, revokeFamily } from '../lifecycle/revoke.js';
import { accessTokenSettings, idTokenAlg, tokenLifetimes } from '../tokens/lifetimes.js';

/** What a user's tokens are issued under: who, to which client, with which consent and family. */
export interface UserGrant {
  userId: string;
  scopes: string[];
  /** Scopes of the access token when narrower than the grant (refresh with `scope`). */
  accessScopes?: string[];
  authTime: number;
  amr: string[];
  nonce: string | null;
  familyId: string;
  grantId: string | null;
  /** The APIs granted (RFC 8707), kept by the refresh lineage. */
  resources: string[];
  /** The one API this access token is for (see grantedApi, requestedApi); undefined: Tessera itself. */
  api: ApiRecord | undefined;
}

/** The user a grant was issued to, if they can still receive tokens. */
export async function activeUser(ctx: Context, userId: string): Promise<User> {
  const user = await ctx.stores.users.findById(userId);
  if (!user || user.disabled) throw new OAuthError('invalid_grant', 'the user of this grant is no longer active');
  return user;
}

/**
 * A new refresh token record in the grant's family; the caller stores it (save or rotate). It lives
 * its idle lifetime, but never past the end of its lineage: `lineageEndsAt` for a rotation, or the
 * absolute lifetime from now for the first token of a family.
 */
export function newRefreshToken(ctx: Context, client: Client, grant: UserGrant, now: number, lineageEndsAt?: number): { token: string; record: RefreshRecord } {
  const token = randomToken(32);
  const lifetimes = tokenLifetimes(ctx.config, client);
  const absoluteExpiresAt = lineageEndsAt ?? now + lifetimes.refreshTokenAbsolute;
  const record: RefreshRecord = {
    tokenHash: sha256(token),
    familyId: grant.familyId,
    grantId: grant.grantId,
    clientId: client.clientId,
    userId: grant.userId,
    scopes: grant.scopes,
    authTime: grant.authTime,
    amr: grant.amr,
    resources: grant.resources,
    createdAt: now,
    expiresAt: Math.min(now + lifetimes.refreshToken, absoluteExpiresAt),
    absoluteExpiresAt,
    rotatedAt: null,
    revokedAt: null,
  };
  return { token, record };
}

/**
 * Issues the access token (remembered by jti so its family can be revoked), and the ID token
 * when `openid` was granted. The refresh token, if any, is made by the caller.
 */
export async function issueUserTokens(ctx: Context, client: Client, grant: UserGrant, now: number, refreshToken?: string): Promise<TokenResponse> {
  const api = grant.api;
  const wantsIdToken = grant.scopes.includes('openid');
  // Looked up at every issuance, so a change of membership or roles shows in the next token (a refresh).
  const groups = api || (wantsIdToken && grant.scopes.includes('groups')) ? await groupsOfUser(ctx.stores, grant.userId) : undefined;
  const held = api ? await entitlementsFor(ctx.stores, grant.userId, groups ?? [], api) : undefined;
  const granted = scopesFor(api, grant.accessScopes ?? grant.scopes);
  const scopes = api && held
    ? withinRoles(granted, api, held)
    : await withinRolesOfDefiningApis(ctx.stores, grant.userId, async () => groups ?? groupsOfUser(ctx.stores, grant.userId), granted);
  const lifetimes = tokenLifetimes(ctx.config, client);
  const settings = accessTokenSettings(ctx.config, client, api);
  const accessInput = { subject: grant.userId, clientId: client.clientId, scopes, authTime: grant.authTime, ...settings, ...(held ? { roles: held.roles } : {}) };
  const access = await issueAccessToken(ctx.config, ctx.keys, accessInput, now);
  await ctx.stores.accessTokens.recordIssued({ jti: access.jti, familyId: grant.familyId, grantId: grant.grantId, expiresAt: access.expiresAt });
  // Checked after recording, so a consent or family revoked meanwhile cannot miss these tokens (see revokeGrant, revokeFamily).
  const [grantGone, familyRevoked] = await Promise.all([
    grant.grantId !== null ? ctx.stores.grants.findById(grant.grantId).then((g) => g === undefined) : false,
    ctx.stores.revokedFamilies.isRevoked(grant.familyId),
  ]);
  if (grantGone || familyRevoked) {
    await revokeFamily(ctx.stores, grant.familyId, now, familyMarkUntil(ctx.config, now, client));
    throw new OAuthError('invalid_grant', familyRevoked ? 'the tokens of this grant were revoked' : 'the user has withdrawn this application\'s access');
  }
  const response: TokenResponse = { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, scope: formatScope(scopes) };
  if (refreshToken !== undefined) response.refresh_token = refreshToken;
  if (wantsIdToken) {
    // The user's attributes are read only when this client is released some (`client update --claim`).
    const user = client.attributeClaims.length > 0 ? await ctx.stores.users.findById(grant.userId) : undefined;
    const userClaims = extraUserClaims({ scopes: grant.scopes, groups, attributes: user?.attributes ?? {}, client });
    const idToken = { subject: grant.userId, clientId: client.clientId, authTime: grant.authTime, amr: grant.amr, nonce: grant.nonce, ttl: lifetimes.idToken, alg: idTokenAlg(ctx.config, client), userClaims };
    response.id_token = await issueIdToken(ctx.config, ctx.keys, idToken, now);
  }
  return response;
}

/** The first tokens of a new family (a code, a device code, a password grant): a refresh token when the client may refresh, then the rest. */
export async function issueFirstTokens(ctx: Context, client: Client, grant: UserGrant, now: number): Promise<TokenResponse> {
  let refreshToken: string | undefined;
  if (client.grantTypes.includes('refresh_token')) {
    const refresh = newRefreshToken(ctx, client, grant, now);
    await ctx.stores.refreshTokens.save(refresh.record);
    refreshToken = refresh.token;
  }
  return issueUserTokens(ctx, client, grant, now, refreshToken);
}
