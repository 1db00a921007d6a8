import * as client from 'openid-client';
import type { TestServer } from './server.js';
import { Browser, type SignInOptions } from './browser.js';

/** openid-client configured against a test server (http is allowed only because tests run on loopback). */
export async function discover(server: TestServer, clientId: string, secret?: string, auth?: client.ClientAuth): Promise<client.Configuration> {
  const authentication = auth ?? (secret === undefined ? client.None() : client.ClientSecretBasic(secret));
  return client.discovery(new URL(server.issuer), clientId, secret === undefined ? undefined : { client_secret: secret }, authentication, {
    execute: [client.allowInsecureRequests],
  });
}

export interface CodeFlowResult {
  tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  callback: URL;
  verifier: string;
}

/** A complete authorization code + PKCE flow: the browser signs in and consents, the client redeems the code. */
export async function codeFlow(
  server: TestServer,
  config: client.Configuration,
  redirectUri: string,
  scope: string,
  signIn: SignInOptions,
  browser = new Browser(server.issuer),
): Promise<CodeFlowResult> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const callback = await browser.authorize(url.href, signIn);
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: scope.split(' ').includes('openid') });
  return { tokens, callback, verifier };
}
