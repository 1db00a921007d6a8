import type { Grant } from './grant.js';
import { OAuthError } from '../errors.js';
import { optional } from '../params.js';
import { OIDC_SCOPES, formatScope, parseScope, requireAllowedScopes } from '../scopes.js';
import { issueAccessToken } from '../tokens/access-token.js';
import { accessTokenSettings } from '../tokens/lifetimes.js';
import { requestedApi, scopesFor } from '../apis/resources.js';

/** RFC 6749 §4.4: a confidential client acting for itself. No refresh token, no ID token. */
export const clientCredentialsGrant: Grant = {
  grantType: 'client_credentials',
  async handle(ctx, client, params) {
    if (client.type !== 'confidential') throw new OAuthError('unauthorized_client', 'client_credentials needs a confidential client');
    const api = await requestedApi(ctx, client, optional(params, 'resource'));
    // A token for an API carries only that API's scopes (RFC 8707 §2): the client may hold scopes of several.
    const machineScopes = scopesFor(api, client.scopes.filter((s) => !OIDC_SCOPES.has(s)));
    const requested = parseScope(optional(params, 'scope'));
    // Without `scope`, the client gets all it is allowed (RFC 6749 §3.3 lets the server pick a default).
    const scopes = requested.length > 0 ? requested : machineScopes;
    requireAllowedScopes(scopes, machineScopes);
    const now = ctx.now();
    const settings = accessTokenSettings(ctx.config, client, api);
    const access = await issueAccessToken(ctx.config, ctx.keys, { subject: client.clientId, clientId: client.clientId, scopes, ...settings }, now);
    return { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, scope: formatScope(scopes) };
  },
};
