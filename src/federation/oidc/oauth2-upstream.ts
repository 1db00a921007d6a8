import * as client from 'openid-client';
import { UpstreamError, type OAuth2Settings, type Upstream, type UpstreamClaims, type UpstreamSignIn } from '../../core/federation/ports.js';
import { checkAuthorizationResponse } from './authorization-response.js';
import { fromUserDocument } from './claims.js';
import { toUpstreamError } from './errors.js';
import type { AdapterOptions } from './options.js';
import { isLoopback, parseUrl, transport } from './transport.js';

/**
 * A plain OAuth 2.0 provider (GitHub style): no discovery and no ID token; the code (with PKCE and
 * state) buys an access token, and the user endpoint's JSON says who signed in.
 */
export function oauth2Upstream(settings: OAuth2Settings, options: AdapterOptions): Upstream {
  const endpoints = {
    authorization: parseUrl(settings.authorizationEndpoint, 'the authorization endpoint'),
    token: parseUrl(settings.tokenEndpoint, 'the token endpoint'),
    user: parseUrl(settings.userEndpoint, 'the user endpoint'),
  };
  const fetchVia = transport(options.timeoutMs);
  const config = new client.Configuration(
    // Such a provider has no issuer identifier; its authorization server's origin stands in for it.
    { issuer: endpoints.authorization.origin, authorization_endpoint: endpoints.authorization.href, token_endpoint: endpoints.token.href },
    settings.clientId,
    settings.clientSecret ?? undefined,
    settings.clientSecret === null ? client.None() : client.ClientSecretBasic(settings.clientSecret),
  );
  config[client.customFetch] = fetchVia;
  config.timeout = options.timeoutMs / 1000;
  // The transport still refuses http to anything but loopback.
  if (Object.values(endpoints).some((url) => url.protocol === 'http:' && isLoopback(url))) client.allowInsecureRequests(config);

  async function user(accessToken: string): Promise<unknown> {
    let answer: Response;
    try {
      answer = await client.fetchProtectedResource(config, accessToken, endpoints.user, 'GET', undefined, new Headers({ accept: 'application/json' }));
    } catch (error) {
      throw toUpstreamError(error, 'user endpoint');
    }
    if (answer.status >= 500) throw new UpstreamError(`the provider's user endpoint failed (HTTP ${answer.status})`, 'unavailable');
    if (answer.status !== 200) throw new UpstreamError(`the provider's user endpoint answered HTTP ${answer.status}`, 'invalid_response');
    try {
      return await answer.json();
    } catch (error) {
      throw toUpstreamError(error, 'user endpoint');
    }
  }

  return {
    async authorizationUrl(signIn: UpstreamSignIn): Promise<string> {
      try {
        return client.buildAuthorizationUrl(config, {
          response_type: 'code',
          redirect_uri: signIn.redirectUri,
          scope: settings.scopes.join(' '),
          state: signIn.state,
          code_challenge: await client.calculatePKCECodeChallenge(signIn.codeVerifier),
          code_challenge_method: 'S256',
        }).href;
      } catch {
        throw new UpstreamError('the authorization request could not be built from these settings', 'invalid_response');
      }
    },

    async finish(callbackUrl: string, signIn: UpstreamSignIn): Promise<UpstreamClaims> {
      const current = checkAuthorizationResponse(callbackUrl, signIn, null);
      let accessToken: string;
      try {
        const tokens = await client.authorizationCodeGrant(config, current, { expectedState: signIn.state, pkceCodeVerifier: signIn.codeVerifier });
        accessToken = tokens.access_token;
      } catch (error) {
        throw toUpstreamError(error, 'token endpoint');
      }
      return fromUserDocument(await user(accessToken), settings.mapping);
    },

    /** Each endpoint answers at all (any HTTP status but a server error); the user endpoint exists (not 404). */
    async check(): Promise<void> {
      for (const [name, url] of Object.entries(endpoints)) {
        let status: number;
        try {
          const answer = await fetchVia(url.href, { headers: { accept: 'application/json' } });
          status = answer.status;
          await answer.body?.cancel();
        } catch (error) {
          throw new UpstreamError(`the ${name} endpoint ${url.href}: ${toUpstreamError(error, 'user endpoint').message}`, 'unavailable');
        }
        if (status >= 500) throw new UpstreamError(`the ${name} endpoint ${url.href} failed (HTTP ${status})`, 'unavailable');
        if (name === 'user' && status === 404) throw new UpstreamError(`the user endpoint ${url.href} does not exist (HTTP 404); is the URL right?`, 'invalid_response');
      }
    },
  };
}
