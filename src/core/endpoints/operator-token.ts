import type { Context } from '../context.js';
import type { ProtocolRequest } from '../protocol.js';
import { activeAccessToken, isClientToken } from '../lifecycle/active-tokens.js';
import { bearerError, bearerToken } from './bearer.js';

/**
 * The client behind an operator face's request (the admin API, SCIM, /admin/audit): an active
 * access token Tessera issued to a client for itself (client credentials, so `sub` is the client;
 * `aud` Tessera's own, never an API's) holding one of `accepted`. A user's token never qualifies,
 * whatever its scope. RFC 6750 §3.1: no or a bad token is 401, a token without the scope 403.
 */
export async function operatorClient(ctx: Context, req: ProtocolRequest, accepted: readonly string[]): Promise<{ clientId: string; scopes: string[] }> {
  const active = await activeAccessToken(ctx, bearerToken(req));
  if (!active) throw bearerError('invalid_token', 'the access token is invalid, expired or revoked');
  if (!active.claims.aud.includes(ctx.config.accessTokenAudience)) {
    throw bearerError('invalid_token', 'the access token is for another audience; ask for one without a resource');
  }
  if (!isClientToken(active.claims) || !accepted.some((s) => active.claims.scopes.includes(s))) {
    throw bearerError('insufficient_scope', `a client token with the ${accepted.join(' or ')} scope is required`, { scope: accepted[0]! });
  }
  return { clientId: active.claims.clientId, scopes: active.claims.scopes };
}
