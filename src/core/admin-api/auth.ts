import type { Context } from '../context.js';
import type { ProtocolRequest } from '../protocol.js';
import { activeAccessToken, isClientToken } from '../lifecycle/active-tokens.js';
import { bearerError, bearerToken } from '../endpoints/bearer.js';

import { ADMIN_READ_SCOPE, ADMIN_SCOPE } from '../scopes.js';

export { ADMIN_READ_SCOPE, ADMIN_SCOPE };

/** Who is calling the admin API, and whether they may change things. */
export interface AdminCaller {
  clientId: string;
  canWrite: boolean;
}

/**
 * The caller of an admin API request: an access token Tessera issued to a client for itself (the
 * client credentials grant, so `sub` is the client) with `tessera:admin` or `tessera:admin:read`.
 * A user's token never qualifies, whatever its scope: operators act through their own clients.
 * RFC 6750 §3.1: no or a bad token is 401, a token without the scope 403.
 */
export async function adminCaller(ctx: Context, req: ProtocolRequest, needsWrite: boolean): Promise<AdminCaller> {
  const active = await activeAccessToken(ctx, bearerToken(req));
  if (!active) throw bearerError('invalid_token', 'the access token is invalid, expired or revoked');
  // A token for an API (RFC 8707 resource) is that API's to accept, never an admin token, whatever its scope says.
  if (!active.claims.aud.includes(ctx.config.accessTokenAudience)) {
    throw bearerError('invalid_token', 'the access token is for another audience; ask for one without a resource');
  }
  const scopes = active.claims.scopes;
  const canWrite = scopes.includes(ADMIN_SCOPE);
  const canRead = canWrite || scopes.includes(ADMIN_READ_SCOPE);
  if (!isClientToken(active.claims) || !canRead) {
    throw bearerError('insufficient_scope', `a client token with the ${ADMIN_SCOPE} or ${ADMIN_READ_SCOPE} scope is required`, { scope: ADMIN_SCOPE });
  }
  if (needsWrite && !canWrite) throw bearerError('insufficient_scope', `changes need the ${ADMIN_SCOPE} scope; this token is read-only`, { scope: ADMIN_SCOPE });
  return { clientId: active.claims.clientId, canWrite };
}
