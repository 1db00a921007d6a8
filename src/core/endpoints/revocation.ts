import type { Context } from '../context.js';
import type { Client } from '../clients/client.js';
import { sha256 } from '../crypto.js';
import { required } from '../params.js';
import { NO_STORE, json, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { authenticateClient } from '../clients/authenticate.js';
import { requester, type Requester } from '../audit.js';
import { readAccessToken } from '../tokens/access-token.js';
import { looksLikeJwt } from '../lifecycle/active-tokens.js';
import { familyMarkUntil, revokeFamily } from '../lifecycle/revoke.js';
import { backChannelParams, errorJson } from './form.js';

/**
 * Revokes a token if it belongs to the caller. An access token goes on the revocation list until
 * it expires; a refresh token takes its whole family with it, access tokens included (RFC 7009
 * §2.1: "SHOULD also invalidate all access tokens based on the same authorization grant").
 */
async function revoke(ctx: Context, caller: Client, token: string, from: Requester): Promise<void> {
  const revoked = (userId: string | null, reason: string) => ctx.audit.record({ type: 'token.revoked', userId, clientId: caller.clientId, ...from, reason });
  if (looksLikeJwt(token)) {
    const claims = await readAccessToken(ctx.config, ctx.keys, token, ctx.now());
    if (claims && claims.clientId === caller.clientId) {
      await ctx.stores.accessTokens.revokeJti(claims.jti, claims.exp);
      await revoked(claims.sub === caller.clientId ? null : claims.sub, 'access_token');
    }
    return;
  }
  const record = await ctx.stores.refreshTokens.find(sha256(token));
  if (record && record.clientId === caller.clientId) {
    await revokeFamily(ctx.stores, record.familyId, ctx.now(), familyMarkUntil(ctx.config, ctx.now(), caller));
    await revoked(record.userId, 'refresh_token');
  }
}

/**
 * The revocation endpoint (RFC 7009). Unknown tokens, and tokens of other clients, get the same
 * 200 as a revoked one (§2.2), so the answer tells nothing about tokens the caller does not own.
 * `token_type_hint` may be wrong or unknown (§2.1): the token's format decides.
 */
export function revocationEndpoint(ctx: Context) {
  return async (req: ProtocolRequest): Promise<ProtocolResponse> => {
    try {
      const params = backChannelParams(req);
      const from = requester(req);
      const caller = await authenticateClient(ctx, params, req.headers['authorization'], from);
      await revoke(ctx, caller, required(params, 'token'), from);
      return json(200, undefined, { ...NO_STORE });
    } catch (e) {
      return errorJson(e);
    }
  };
}
