import type { Context } from '../context.js';
import type { Client } from '../clients/client.js';
import { OAuthError } from '../errors.js';
import { required } from '../params.js';
import { formatScope } from '../scopes.js';
import { NO_STORE, json, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { authenticateClient } from '../clients/authenticate.js';
import { requester } from '../audit.js';
import { activeAccessToken, activeRefreshToken, isClientToken, looksLikeJwt } from '../lifecycle/active-tokens.js';
import { backChannelParams, errorJson } from './form.js';

/** RFC 7662 §2.2: anything not active, or not the caller's to see, is exactly this. */
const INACTIVE = { active: false } as const;

/**
 * RFC 7662 §4: a client learns only about tokens issued to it or meant for it: its own client id
 * in `aud`, or an API in `aud` that names it (`api update --introspection-client`).
 */
async function mayIntrospect(ctx: Context, caller: Client, claims: { clientId: string; aud: string[] }): Promise<boolean> {
  if (claims.clientId === caller.clientId || claims.aud.includes(caller.clientId)) return true;
  for (const audience of claims.aud) {
    // Tokens for Tessera itself are no API's to read, whatever API was stored under the issuer.
    if (audience === ctx.config.issuer) continue;
    if ((await ctx.stores.apis.findByIdentifier(audience))?.introspectionClients.includes(caller.clientId)) return true;
  }
  return false;
}

async function describe(ctx: Context, caller: Client, token: string): Promise<Record<string, unknown>> {
  if (looksLikeJwt(token)) {
    const active = await activeAccessToken(ctx, token);
    if (!active) return INACTIVE;
    const { claims } = active;
    if (!(await mayIntrospect(ctx, caller, claims))) return INACTIVE;
    const answer: Record<string, unknown> = {
      active: true,
      scope: formatScope(claims.scopes),
      client_id: claims.clientId,
      sub: claims.sub,
      exp: claims.exp,
      iat: claims.iat,
      iss: ctx.config.issuer,
      token_type: 'Bearer',
      aud: claims.aud.length === 1 ? claims.aud[0] : claims.aud,
      jti: claims.jti,
    };
    if (active.user && !isClientToken(claims)) answer['username'] = active.user.username;
    return answer;
  }
  const record = await activeRefreshToken(ctx, token);
  // Refresh tokens are only ever presented by the client they were issued to.
  if (!record || record.clientId !== caller.clientId) return INACTIVE;
  return {
    active: true,
    scope: formatScope(record.scopes),
    client_id: record.clientId,
    sub: record.userId,
    exp: record.expiresAt,
    iat: record.createdAt,
    iss: ctx.config.issuer,
    token_type: 'refresh_token',
    aud: record.clientId,
  };
}

/**
 * The introspection endpoint (RFC 7662). Callers must authenticate (§2.1 requires some form of
 * authorization; a public client has nothing to prove who it is). `token_type_hint` is only a
 * hint (§2.1): the token's format decides how it is looked up.
 */
export function introspectionEndpoint(ctx: Context) {
  return async (req: ProtocolRequest): Promise<ProtocolResponse> => {
    try {
      const params = backChannelParams(req);
      const caller = await authenticateClient(ctx, params, req.headers['authorization'], requester(req));
      if (caller.tokenEndpointAuthMethod === 'none') throw new OAuthError('invalid_client', 'introspection requires client authentication');
      const token = required(params, 'token');
      return json(200, await describe(ctx, caller, token), { ...NO_STORE });
    } catch (e) {
      return errorJson(e);
    }
  };
}
