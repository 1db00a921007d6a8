import type { Context } from '../context.js';
import { NO_STORE, json, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { activeAccessToken } from '../lifecycle/active-tokens.js';
import type { User } from '../../store/ports.js';
import { bearerError, bearerToken } from './bearer.js';
import { errorJson } from './form.js';
import { groupsOfUser } from '../access/entitlements.js';
import { extraUserClaims } from '../access/claims.js';

/** Standard claims by scope (OpenID Connect Core §5.4). */
export function userClaims(user: User, scopes: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: user.id };
  if (scopes.includes('profile')) {
    claims['preferred_username'] = user.username;
    if (user.name !== null) claims['name'] = user.name;
    // The user's language (Core §5.1 `locale`), only once they or an operator set one.
    if (user.locale !== undefined) claims['locale'] = user.locale;
    claims['updated_at'] = user.updatedAt;
  }
  if (scopes.includes('email') && user.email !== null) {
    claims['email'] = user.email;
    claims['email_verified'] = user.emailVerified;
  }
  return claims;
}

/**
 * The UserInfo endpoint (OpenID Connect Core §5.3): GET or POST with a bearer token carrying
 * `openid`, in the Authorization header or, on POST, as `access_token` in a form body (Core §5.3.1
 * points to RFC 6750 §2, and some clients use §2.2).
 */
export function userinfoEndpoint(ctx: Context) {
  return async (req: ProtocolRequest): Promise<ProtocolResponse> => {
    try {
      const token = bearerToken(req, { formBody: true });
      const active = await activeAccessToken(ctx, token);
      if (!active) throw bearerError('invalid_token', 'the access token is invalid, expired or revoked');
      const { claims, user } = active;
      if (!claims.scopes.includes('openid') || !user) throw bearerError('insufficient_scope', 'the access token lacks the openid scope', { scope: 'openid' });
      const [groups, client] = await Promise.all([
        claims.scopes.includes('groups') ? groupsOfUser(ctx.stores, user.id) : undefined,
        ctx.stores.clients.find(claims.clientId),
      ]);
      const extra = extraUserClaims({ scopes: claims.scopes, groups, attributes: user.attributes, client });
      return json(200, { ...extra, ...userClaims(user, claims.scopes) }, { ...NO_STORE });
    } catch (e) {
      return errorJson(e);
    }
  };
}
