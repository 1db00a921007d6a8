import type { Grant } from './grant.js';
import { OAuthError } from '../errors.js';
import { sha256 } from '../crypto.js';
import { optional, required } from '../params.js';
import { parseScope } from '../scopes.js';
import { activeUser, issueUserTokens, newRefreshToken } from './user-tokens.js';
import { requireDirectoryAccount } from '../federation/directory-status.js';
import { grantedApi } from '../apis/resources.js';
import type { ApiRecord } from '../../store/ports.js';
import { familyMarkUntil, revokeFamily } from '../lifecycle/revoke.js';
import { tokenLifetimes } from '../tokens/lifetimes.js';

const invalidGrant = (why: string) => new OAuthError('invalid_grant', why);

/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): every use returns a new refresh token; using a
 * rotated one again is taken as theft and revokes the whole family.
 */
export const refreshTokenGrant: Grant = {
  grantType: 'refresh_token',
  async handle(ctx, client, params, from) {
    const reused = async (record: { userId: string; familyId: string }, now: number): Promise<never> => {
      await revokeFamily(ctx.stores, record.familyId, now, familyMarkUntil(ctx.config, now, client));
      await ctx.audit.record({ type: 'refresh.reuse', outcome: 'failure', userId: record.userId, clientId: client.clientId, ...from, reason: 'family_revoked' });
      throw invalidGrant('the refresh token was already used; its grant is revoked');
    };
    const presented = required(params, 'refresh_token');
    const now = ctx.now();
    const record = await ctx.stores.refreshTokens.find(sha256(presented));
    if (!record || record.clientId !== client.clientId) throw invalidGrant('the refresh token is invalid');
    if (record.revokedAt !== null) throw invalidGrant('the refresh token was revoked');
    if (record.rotatedAt !== null) return reused(record, now);
    if (record.absoluteExpiresAt !== null && record.absoluteExpiresAt <= now) throw invalidGrant('the sign-in behind this refresh token is too old (absolute lifetime reached): sign in again');
    if (record.expiresAt <= now) throw invalidGrant('the refresh token has expired (unused for too long)');

    // Scope may narrow for this access token, never widen (RFC 6749 §6); the grant keeps its scope.
    const requested = parseScope(optional(params, 'scope'));
    const widened = requested.filter((s) => !record.scopes.includes(s));
    if (widened.length > 0) throw new OAuthError('invalid_scope', `scope exceeds the original grant: ${widened.join(' ')}`);
    await activeUser(ctx, record.userId);
    await requireDirectoryAccount(ctx, record.userId);

    const grant = {
      userId: record.userId,
      scopes: record.scopes,
      ...(requested.length > 0 ? { accessScopes: requested } : {}),
      authTime: record.authTime,
      amr: record.amr,
      nonce: null,
      familyId: record.familyId,
      grantId: record.grantId,
      resources: record.resources,
      api: undefined as ApiRecord | undefined,
    };
    // RFC 8707 §2.2: a refresh may name the lineage's resource, not another one.
    grant.api = await grantedApi(ctx, record.resources, optional(params, 'resource'), record.createdAt);
    // A lineage from before absolute ends were kept gets one from its first rotation since.
    const next = newRefreshToken(ctx, client, grant, now, record.absoluteExpiresAt ?? now + tokenLifetimes(ctx.config, client).refreshTokenAbsolute);
    const outcome = await ctx.stores.refreshTokens.rotate(record.tokenHash, next.record, now);
    // A concurrent request rotated it first: two lineages must never both live.
    if (outcome === 'reused') return reused(record, now);
    if (outcome !== 'ok') throw invalidGrant('the refresh token is invalid');
    return issueUserTokens(ctx, client, grant, now, next.token);
  },
};
