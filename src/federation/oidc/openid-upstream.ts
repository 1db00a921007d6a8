import * as client from 'openid-client';
import { UpstreamError, type OidcSettings, type Upstream, type UpstreamClaims, type UpstreamSignIn } from '../../core/federation/ports.js';
import { checkAuthorizationResponse } from './authorization-response.js';
import { fromOpenIdClaims, withUserinfo } from './claims.js';
import { mayBeStale, toUpstreamError } from './errors.js';
import { MetadataCache } from './metadata-cache.js';
import type { AdapterOptions } from './options.js';
import { isLoopback, parseUrl, transport } from './transport.js';

/** An OpenID provider found by discovery: code flow with PKCE, state, nonce and `iss`; the ID token checked against its JWKS. */
export function openIdUpstream(settings: OidcSettings, options: AdapterOptions): Upstream {
  const issuer = parseUrl(settings.issuer, 'the issuer URL');
  const fetchVia = transport(options.timeoutMs);
  const scope = settings.scopes.includes('openid') ? settings.scopes : ['openid', ...settings.scopes];

  const discover = async (): Promise<client.Configuration> => {
    try {
      return await client.discovery(
        issuer,
        settings.clientId,
        settings.clientSecret ?? undefined,
        // OAuth 2.1 §2.4: a client with a secret authenticates with it; a public client sends only its id.
        settings.clientSecret === null ? client.None() : client.ClientSecretBasic(settings.clientSecret),
        {
          [client.customFetch]: fetchVia,
          timeout: options.timeoutMs / 1000,
          execute: [
            // The transport still refuses http to anything but loopback, whatever the metadata says.
            ...(issuer.protocol === 'http:' && isLoopback(issuer) ? [client.allowInsecureRequests] : []),
            // The ID token comes over TLS from the token endpoint, where OIDC Core §3.1.3.7 lets a client skip
            // its signature; we check it against the provider's JWKS anyway, so a forged token never passes.
            client.enableNonRepudiationChecks,
          ],
        },
      );
    } catch (error) {
      throw toUpstreamError(error, 'metadata');
    }
  };
  const metadata = new MetadataCache(discover, { maxAgeMs: options.metadataMaxAgeMs, retryAfterMs: options.retryAfterMs, now: Date.now });

  return {
    async authorizationUrl(signIn: UpstreamSignIn): Promise<string> {
      const config = await metadata.get();
      try {
        return client.buildAuthorizationUrl(config, {
          response_type: 'code',
          redirect_uri: signIn.redirectUri,
          scope: scope.join(' '),
          state: signIn.state,
          nonce: signIn.nonce,
          code_challenge: await client.calculatePKCECodeChallenge(signIn.codeVerifier),
          code_challenge_method: 'S256',
        }).href;
      } catch (error) {
        throw toUpstreamError(error, 'metadata');
      }
    },

    async finish(callbackUrl: string, signIn: UpstreamSignIn): Promise<UpstreamClaims> {
      const config = await metadata.get();
      const server = config.serverMetadata();
      const current = checkAuthorizationResponse(callbackUrl, signIn, {
        value: server.issuer,
        required: server.authorization_response_iss_parameter_supported === true,
      });
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(config, current, {
          expectedState: signIn.state,
          expectedNonce: signIn.nonce,
          pkceCodeVerifier: signIn.codeVerifier,
          idTokenExpected: true,
        });
      } catch (error) {
        if (mayBeStale(error)) metadata.markStale();
        throw toUpstreamError(error, 'token endpoint');
      }
      const idToken = tokens.claims();
      if (idToken === undefined) throw new UpstreamError('the provider sent no ID token', 'invalid_response');
      const claims = fromOpenIdClaims(idToken);
      if ((claims.email !== null && claims.name !== null) || server.userinfo_endpoint === undefined) return claims;
      try {
        // fetchUserInfo refuses an answer about another subject (OIDC Core §5.3.4).
        return withUserinfo(claims, await client.fetchUserInfo(config, tokens.access_token, idToken.sub));
      } catch (error) {
        throw toUpstreamError(error, 'userinfo endpoint');
      }
    },

    async check(): Promise<void> {
      let config: client.Configuration;
      try {
        config = await metadata.refresh();
      } catch (error) {
        const { message, reason } = toUpstreamError(error, 'metadata');
        const hint = /HTTP 404/.test(message) ? '; is the issuer URL right?' : '';
        throw new UpstreamError(`discovery at ${wellKnown(issuer)} failed: ${message}${hint}`, reason);
      }
      const server = config.serverMetadata();
      const problems: string[] = [];
      if (server.response_types_supported && !server.response_types_supported.includes('code')) problems.push('does not offer the authorization code flow');
      if (server.code_challenge_methods_supported && !server.code_challenge_methods_supported.includes('S256')) problems.push('does not offer PKCE with S256');
      if (server.jwks_uri === undefined) problems.push('publishes no jwks_uri to check ID tokens with');
      if (problems.length > 0) throw new UpstreamError(`the provider at ${issuer.href} ${problems.join(', ')}`, 'invalid_response');
      const jwksUri = server.jwks_uri!;
      let status: number;
      try {
        const keys = await fetchVia(jwksUri, { headers: { accept: 'application/json' } });
        status = keys.status;
        await keys.body?.cancel();
      } catch (error) {
        throw new UpstreamError(`the provider's jwks_uri ${jwksUri}: ${toUpstreamError(error, 'metadata').message}`, 'unavailable');
      }
      if (status !== 200) throw new UpstreamError(`the provider's jwks_uri ${jwksUri} answered HTTP ${status}`, 'invalid_response');
    },
  };
}

/** OpenID Connect Discovery §4: the metadata's address for an issuer (with or without a path). */
function wellKnown(issuer: URL): string {
  return `${issuer.href.replace(/\/$/, '')}/.well-known/openid-configuration`;
}
