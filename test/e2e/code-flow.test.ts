import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { Browser } from '../helpers/browser.js';
import { codeFlow, discover } from '../helpers/oidc.js';

const WEB_CALLBACK = 'https://app.example.com/callback';

describe('authorization code flow with openid-client', () => {
  let server: TestServer;
  let alice: { sub: string; username: string; password: string };

  before(async () => {
    server = await startTestServer();
    alice = await server.addUser({ username: 'alice', email: 'alice@example.com', emailVerified: true, name: 'Alice Doe' });
  });
  after(() => server.close());

  it('signs a user in to a confidential web app, with an ID token the library validates, and serves userinfo', async () => {
    const app = await server.addClient({
      name: 'Photo Gallery',
      type: 'confidential',
      redirectUris: [WEB_CALLBACK],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'email', 'photos:read'],
    });
    const config = await discover(server, app.clientId, app.secret);
    const { tokens, callback } = await codeFlow(server, config, WEB_CALLBACK, 'openid profile email photos:read', { username: 'alice', password: alice.password });

    assert.equal(callback.searchParams.get('iss'), server.issuer, 'RFC 9207 iss on the authorization response');
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.equal(tokens.scope, 'openid profile email photos:read');
    assert.ok(tokens.refresh_token);
    const idClaims = tokens.claims();
    assert.ok(idClaims);
    assert.equal(idClaims.sub, alice.sub);
    assert.equal(idClaims.aud, app.clientId);
    assert.equal(typeof idClaims.auth_time, 'number');
    assert.equal(decodeProtectedHeader(tokens.id_token!).alg, 'RS256');

    const info = await client.fetchUserInfo(config, tokens.access_token, alice.sub);
    assert.deepEqual(
      { sub: info.sub, name: info.name, email: info.email, email_verified: info.email_verified, preferred_username: info.preferred_username },
      { sub: alice.sub, name: 'Alice Doe', email: 'alice@example.com', email_verified: true, preferred_username: 'alice' },
    );
  });

  it('issues RFC 9068 JWT access tokens that a resource server verifies offline with the JWKS', async () => {
    const app = await server.addClient({ name: 'API user', redirectUris: [WEB_CALLBACK], scopes: ['openid', 'photos:read'] });
    const config = await discover(server, app.clientId, app.secret);
    const { tokens } = await codeFlow(server, config, WEB_CALLBACK, 'openid photos:read', { username: 'alice', password: alice.password });

    const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, { issuer: server.issuer, audience: server.issuer, typ: 'at+jwt' });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.sub, alice.sub);
    assert.equal(payload['client_id'], app.clientId);
    assert.equal(payload['scope'], 'openid photos:read');
    for (const claim of ['jti', 'iat', 'exp'] as const) assert.ok(payload[claim] !== undefined, claim);

    const published = (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    // PS256 has an RSA key of its own: every published key names the one algorithm it signs with.
    assert.deepEqual(published.keys.map((k) => k['alg']).sort(), ['ES256', 'PS256', 'RS256']);
    for (const key of published.keys) for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(key[priv], undefined, `no private member ${priv}`);
  });

  it('lets a public native app use PKCE alone, on any loopback port (RFC 8252)', async () => {
    const app = await server.addClient({ name: 'Desktop App', type: 'public', redirectUris: ['http://127.0.0.1/callback'], scopes: ['openid', 'profile'] });
    assert.equal(app.secret, undefined);
    const config = await discover(server, app.clientId);
    const { tokens } = await codeFlow(server, config, 'http://127.0.0.1:53817/callback', 'openid profile', { username: 'alice', password: alice.password });
    assert.equal(tokens.claims()?.sub, alice.sub);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    assert.ok(refreshed.access_token);
  });

  it('remembers consent and the SSO session; asks again only for new scopes; honours prompt', async () => {
    const app = await server.addClient({ name: 'Notes', redirectUris: [WEB_CALLBACK], scopes: ['openid', 'profile', 'email'] });
    const config = await discover(server, app.clientId, app.secret);
    const browser = new Browser(server.issuer);
    await codeFlow(server, config, WEB_CALLBACK, 'openid profile', { username: 'alice', password: alice.password }, browser);

    // Same scopes again: no page at all, straight back with a code.
    const silent = await codeFlow(server, config, WEB_CALLBACK, 'openid profile', {}, browser);
    assert.equal(silent.tokens.claims()?.sub, alice.sub);
    const promptNone = await codeFlow(server, config, WEB_CALLBACK, 'openid', {}, browser);
    assert.ok(promptNone.tokens.access_token);

    // A new scope shows the consent page (but no login).
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: WEB_CALLBACK, scope: 'openid email', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    });
    const consent = await browser.visit(url.href);
    assert.ok(!('leftTo' in consent) && /name="decision"/.test(consent.html) && !/name="password"/.test(consent.html));
    assert.match(consent.html, /See your email address/);
    assert.match(consent.html, /Notes/);

    // prompt=login forces the login page even with a session.
    const forced = await browser.visit(url.href + '&prompt=login');
    assert.ok(!('leftTo' in forced) && /name="password"/.test(forced.html));
    // max_age=0 too.
    const aged = await browser.visit(url.href.replace('scope=openid+email', 'scope=openid') + '&max_age=0');
    assert.ok(!('leftTo' in aged) && /name="password"/.test(aged.html));
  });

  it('answers prompt=none with login_required or consent_required instead of a page', async () => {
    const app = await server.addClient({ name: 'Silent', redirectUris: [WEB_CALLBACK], scopes: ['openid', 'email'] });
    const config = await discover(server, app.clientId, app.secret);
    const challenge = await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier());
    const params = { redirect_uri: WEB_CALLBACK, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', state: 'xyz', prompt: 'none' };

    const anonymous = new Browser(server.issuer);
    const noSession = await anonymous.visit(client.buildAuthorizationUrl(config, params).href);
    assert.ok('leftTo' in noSession);
    const r1 = new URL(noSession.leftTo);
    assert.equal(r1.searchParams.get('error'), 'login_required');
    assert.equal(r1.searchParams.get('state'), 'xyz');
    assert.equal(r1.searchParams.get('iss'), server.issuer);

    const signedIn = new Browser(server.issuer);
    const other = await server.addClient({ name: 'Other', redirectUris: [WEB_CALLBACK], scopes: ['openid'] });
    await codeFlow(server, await discover(server, other.clientId, other.secret), WEB_CALLBACK, 'openid', { username: 'alice', password: alice.password }, signedIn);
    const noConsent = await signedIn.visit(client.buildAuthorizationUrl(config, params).href);
    assert.ok('leftTo' in noConsent);
    assert.equal(new URL(noConsent.leftTo).searchParams.get('error'), 'consent_required');
  });

  it('returns access_denied, with state and iss, when the user denies', async () => {
    const app = await server.addClient({ name: 'Denied', redirectUris: [WEB_CALLBACK], scopes: ['openid'] });
    const config = await discover(server, app.clientId, app.secret);
    const state = 'state with spaces & symbols ✓';
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: WEB_CALLBACK, scope: 'openid', state, code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    });
    const back = await new Browser(server.issuer).authorize(url.href, { username: 'alice', password: alice.password, decision: 'deny' });
    assert.equal(back.origin + back.pathname, WEB_CALLBACK);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('state'), state, 'state echoed byte for byte');
    assert.equal(back.searchParams.get('iss'), server.issuer);
  });

  it('gives a backend service a token with client_credentials', async () => {
    const service = await server.addClient({ name: 'Billing', grantTypes: ['client_credentials'], scopes: ['invoices:read', 'invoices:write'] });
    const config = await discover(server, service.clientId, service.secret);
    const all = await client.clientCredentialsGrant(config);
    assert.equal(all.scope, 'invoices:read invoices:write');
    const narrow = await client.clientCredentialsGrant(config, { scope: 'invoices:read' });
    assert.equal(narrow.scope, 'invoices:read');
    assert.equal(narrow.refresh_token, undefined);
    const claims = JSON.parse(Buffer.from(narrow.access_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    assert.equal(claims['sub'], service.clientId);
    assert.equal(claims['client_id'], service.clientId);
    await assert.rejects(client.clientCredentialsGrant(config, { scope: 'invoices:delete' }), (e: client.ResponseBodyError) => e.error === 'invalid_scope');
    await assert.rejects(client.clientCredentialsGrant(config, { scope: 'openid' }), (e: client.ResponseBodyError) => e.error === 'invalid_scope');

    // client_secret_post works too, for a client registered with it.
    const poster = await server.addClient({ name: 'Poster', grantTypes: ['client_credentials'], scopes: ['a'], tokenEndpointAuthMethod: 'client_secret_post' });
    const postConfig = await discover(server, poster.clientId, poster.secret, client.ClientSecretPost(poster.secret));
    assert.equal((await client.clientCredentialsGrant(postConfig)).scope, 'a');
  });
});
