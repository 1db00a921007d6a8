import type { Context } from '../context.js';
import type { Grant } from '../grants/grant.js';
import { OAuthError } from '../errors.js';
import { required } from '../params.js';
import { NO_STORE, json, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { authenticateClient } from '../clients/authenticate.js';
import { requester } from '../audit.js';
import { backChannelParams, errorJson } from './form.js';
import { decodeClaims } from '../tokens/jwt.js';

/** The token endpoint (RFC 6749 §3.2): parse → authenticate the client → hand over to the grant. */
export function tokenEndpoint(ctx: Context, grants: readonly Grant[]) {
  const byType = new Map(grants.map((g) => [g.grantType as string, g]));
  return async (req: ProtocolRequest): Promise<ProtocolResponse> => {
    try {
      const params = backChannelParams(req);
      const from = requester(req);
      const client = await authenticateClient(ctx, params, req.headers['authorization'], from);
      const grantType = required(params, 'grant_type');
      const grant = byType.get(grantType);
      if (!grant) throw new OAuthError('unsupported_grant_type', 'the grant_type is not supported');
      if (!client.grantTypes.includes(grant.grantType)) {
        throw new OAuthError('unauthorized_client', `this client may not use the ${grantType} grant`);
      }
      const body = await grant.handle(ctx, client, params, from);
      await ctx.audit.record({
        type: grant.grantType === 'refresh_token' ? 'token.refreshed' : 'token.issued',
        userId: grant.grantType === 'client_credentials' ? null : (decodeClaims(body.access_token).sub ?? null),
        clientId: client.clientId,
        ...from,
        reason: grant.grantType,
      });
      return json(200, body, { ...NO_STORE });
    } catch (e) {
      return errorJson(e);
    }
  };
}
