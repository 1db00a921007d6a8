import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { oauthClient, type OAuthClient } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startBearerApi, type BearerApi } from '../helpers/bearer-api.js';
import { Browser } from '../helpers/browser.js';
import { signIn } from '../helpers/client-library.js';

/** tessera/client's OAuthClient: the authorization code flow against a real Tessera. */
describe('client library: a web app signs a user in', () => {
  const redirectUri = 'https://notes.example/callback';
  let server: TestServer;
  let api: BearerApi;
  let client: OAuthClient;
  let alice: { sub: string; username: string; password: string };

  before(async () => {
    server = await startTestServer();
    alice = await server.addUser({ username: 'alice', name: 'Alice Liddell' });
    const registered = await server.addClient({
      name: 'Notes',
      redirectUris: [redirectUri],
      postLogoutRedirectUris: ['https://notes.example/'],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'offline_access', 'notes:read'],
    });
    client = await oauthClient({ issuer: server.issuer, clientId: registered.clientId, clientSecret: registered.secret!, redirectUri, scope: 'openid profile offline_access notes:read' });
    api = await startBearerApi(server.issuer);
  });
  after(async () => {
    await api?.close();
    await server.close();
  });

  it('sends PKCE S256, state and nonce, and keeps them for the callback', async () => {
    const { url, pending } = await client.authorizationUrl();
    assert.equal(url.origin + url.pathname, `${server.issuer}/authorize`);
    const query = url.searchParams;
    assert.equal(query.get('response_type'), 'code');
    assert.equal(query.get('redirect_uri'), redirectUri);
    assert.equal(query.get('scope'), 'openid profile offline_access notes:read');
    assert.equal(query.get('code_challenge_method'), 'S256');
    assert.equal(query.get('code_challenge'), await oidc.calculatePKCECodeChallenge(pending.codeVerifier));
    assert.equal(query.get('state'), pending.state);
    assert.equal(query.get('nonce'), pending.nonce);
    // What the app keeps in its session is plain JSON.
    assert.deepEqual(JSON.parse(JSON.stringify(pending)), pending);
  });

  it('completes the callback: tokens, the ID token’s claims, UserInfo, and a fetch that calls an API', async () => {
    const { tokens, claims } = await signIn(server, client, alice);
    assert.equal(claims?.sub, alice.sub);
    assert.ok(tokens.refreshToken && tokens.idToken, 'offline_access and openid were granted');
    assert.ok(tokens.expiresAt! > Date.now() / 1000 + 800, 'expires_in became an absolute time');
    const session = client.session(tokens);
    assert.equal((await client.userInfo(session, alice.sub))['name'], 'Alice Liddell');
    const response = await session.fetch(`${api.url}/notes`);
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { sub: string }).sub, alice.sub);
    assert.equal(api.calls.at(-1)?.token, tokens.accessToken);
  });

  it('refuses a callback that does not match the sign-in the session started', async () => {
    const mine = await client.authorizationUrl();
    const other = await client.authorizationUrl();
    const callback = await new Browser(server.issuer).authorize(mine.url.href, alice);
    await assert.rejects(client.completeSignIn(callback, other.pending), (e: unknown) => e instanceof oidc.ClientError && /"state"/.test(String((e.cause as Error).message)));
  });

  it('reports a declined consent as access_denied', async () => {
    const bob = await server.addUser({ username: 'bob' });
    const { url, pending } = await client.authorizationUrl();
    const callback = await new Browser(server.issuer).authorize(url.href, { ...bob, decision: 'deny' });
    await assert.rejects(client.completeSignIn(callback, pending), (e: unknown) => e instanceof oidc.AuthorizationResponseError && e.error === 'access_denied');
  });

  it('builds the RP-initiated logout URL', () => {
    const url = client.endSessionUrl({ idTokenHint: 'the-id-token', postLogoutRedirectUri: 'https://notes.example/' });
    assert.equal(url.origin + url.pathname, `${server.issuer}/logout`);
    assert.equal(url.searchParams.get('id_token_hint'), 'the-id-token');
    assert.equal(url.searchParams.get('post_logout_redirect_uri'), 'https://notes.example/');
  });

  it('allows plain http only for a loopback issuer', async () => {
    for (const issuer of ['http://tessera.example', 'http://10.0.0.1:9000', 'http://localhost.evil.example']) {
      await assert.rejects(oauthClient({ issuer, clientId: 'x', redirectUri }), /plain http/, issuer);
    }
    await assert.rejects(oauthClient({ issuer: 'ftp://127.0.0.1', clientId: 'x', redirectUri }), /not an https URL/);
  });
});
