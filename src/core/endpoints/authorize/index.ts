import type { Context } from '../../context.js';
import { OAuthError, invalidRequest } from '../../errors.js';
import { singleValued } from '../../params.js';
import { frontChannelParams } from '../form.js';
import { errorPage, type ProtocolRequest, type ProtocolResponse } from '../../protocol.js';
import { continueAuthorization } from '../../interaction/decide.js';
import { errorRedirect, type AuthorizationRequest, type AuthorizeCheck } from './request.js';
import { resolveTarget } from './checks/target.js';
import { refuseRequestObjects } from './checks/request-objects.js';
import { checkResponseType } from './checks/response-type.js';
import { checkClientMayUseCodeFlow } from './checks/client-grant.js';
import { checkScope } from './checks/scope.js';
import { checkPkce } from './checks/pkce.js';
import { checkOidcParameters } from './checks/oidc.js';
import { checkIdentityProviderHint } from './checks/idp-hint.js';
import { checkUiLocales } from './checks/ui-locales.js';
import { requestedApis } from '../../apis/resources.js';

/** The checks after client and redirect URI are known, in the order the specs validate. Errors here are redirected. */
const CHECKS: readonly AuthorizeCheck[] = [refuseRequestObjects, checkResponseType, checkClientMayUseCodeFlow, checkScope, checkPkce, checkOidcParameters, checkIdentityProviderHint, checkUiLocales];

/** The authorization endpoint (RFC 6749 §3.1, OpenID Connect Core §3.1.2). */
export function authorizationEndpoint(ctx: Context) {
  return async (req: ProtocolRequest): Promise<ProtocolResponse> => {
    const params = frontChannelParams(req);
    if (!params) return errorPage(400, 'invalid_request', 'Use GET, or POST with a form body.');
    const target = await resolveTarget(params, (id) => ctx.stores.clients.find(id));
    if (!target.ok) return errorPage(400, 'invalid_request', target.description);

    const states = params['state'] ?? [];
    const state = states.length === 1 ? states[0] : undefined;
    try {
      // RFC 8707 §2: `resource` may be repeated, one per API.
      const single = singleValued(params, ['resource']);
      const request: AuthorizationRequest = {
        clientId: target.client.clientId,
        redirectUri: target.redirectUri,
        redirectUriInRequest: target.inRequest,
        scopes: [],
        codeChallenge: '',
        prompt: [],
      };
      if (state !== undefined && state !== '') request.state = state;
      for (const check of CHECKS) check({ params: single, client: target.client, request });
      // The API the tokens will be for: named, or the client's default; unknown is invalid_target (RFC 8707 §2).
      const apis = await requestedApis(ctx, target.client, params['resource'] ?? []);
      if (apis.length > 0) request.resources = apis.map((a) => a.identifier);
      return await continueAuthorization(ctx, req, target.client, request);
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e;
      const err = e.error === 'invalid_client' ? invalidRequest(e.description) : e;
      return { kind: 'redirect', location: errorRedirect(ctx.config.issuer, target.redirectUri, state, err) };
    }
  };
}
