import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as client from 'openid-client';
import * as oauth from 'oauth4webapi';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { Browser } from '../helpers/browser.js';
import { codeFlow, discover } from '../helpers/oidc.js';

const CALLBACK = 'https://app.example.com/cb';
const REPORTS = 'https://reports.example.com/';
const SCRIPT = fileURLToPath(new URL('./authlib_client.py', import.meta.url));

/**
 * The main flows with three independently written clients, unmodified: openid-client and
 * oauth4webapi (Node) and authlib (Python, from Debian's packages). Login and consent are driven
 * over HTTP by the test; everything a client validates, it validates its own way.
 */
describe('interoperability with independent clients', () => {
  let server: TestServer;
  let web: { clientId: string; secret?: string };
  let service: { clientId: string; secret?: string };
  let password: string;

  before(async () => {
    server = await startTestServer();
    password = (await server.addUser({ username: 'ivy', name: 'Ivy Interop' })).password;
    await server.addApi({ identifier: REPORTS, name: 'Reports', scopes: [{ name: 'reports:read', description: 'Read your reports' }] });
    web = await server.addClient({ name: 'Interop web', redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile', 'offline_access', 'api:read', 'reports:read'] });
    service = await server.addClient({ name: 'Interop service', grantTypes: ['client_credentials'], scopes: ['api:read', 'reports:read'] });
  });
  after(() => server.close());

  describe('openid-client', () => {
    it('code + PKCE, userinfo, refresh, introspection, revocation, client credentials', async () => {
      const config = await discover(server, web.clientId, web.secret);
      const { tokens } = await codeFlow(server, config, CALLBACK, 'openid profile api:read', { username: 'ivy', password });
      const sub = tokens.claims()!.sub;
      assert.equal((await client.fetchUserInfo(config, tokens.access_token, sub)).name, 'Ivy Interop');
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
      assert.equal((await client.tokenIntrospection(config, refreshed.access_token)).active, true);
      await client.tokenRevocation(config, refreshed.refresh_token!);
      assert.equal((await client.tokenIntrospection(config, refreshed.refresh_token!)).active, false);
      await assert.rejects(client.refreshTokenGrant(config, refreshed.refresh_token!), { error: 'invalid_grant' });
      const m2m = await client.clientCredentialsGrant(await discover(server, service.clientId, service.secret), { scope: 'api:read' });
      assert.equal(m2m.scope, 'api:read');
    });
  });

  describe('oauth4webapi', () => {
    it('code + PKCE with ID token validation, RFC 9068 access token validation against the JWKS, refresh, introspection, revocation, client credentials', async () => {
      const issuer = new URL(server.issuer);
      const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }));
      const c: oauth.Client = { client_id: web.clientId };
      const auth = oauth.ClientSecretBasic(web.secret!);
      const http = { [oauth.allowInsecureRequests]: true } as const;
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const nonce = oauth.generateRandomNonce();
      const url = new URL(as.authorization_endpoint!);
      for (const [k, v] of Object.entries({ client_id: web.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid profile api:read', state, nonce, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' })) {
        url.searchParams.set(k, v);
      }
      const callback = await new Browser(server.issuer).authorize(url.href, { username: 'ivy', password });
      const params = oauth.validateAuthResponse(as, c, callback, state);
      const response = await oauth.authorizationCodeGrantRequest(as, c, auth, params, CALLBACK, verifier, http);
      const tokens = await oauth.processAuthorizationCodeResponse(as, c, response, { expectedNonce: nonce, requireIdToken: true });
      const claims = oauth.getValidatedIdTokenClaims(tokens)!;
      assert.equal(claims.iss, server.issuer);

      // The access token as a resource server sees it (RFC 9068), keys from the JWKS.
      const api = new Request('https://api.example.com/notes', { headers: { authorization: `Bearer ${tokens.access_token}` } });
      const at = await oauth.validateJwtAccessToken(as, api, server.issuer, http);
      assert.equal(at.sub, claims.sub);
      assert.equal(at.scope, 'openid profile api:read');

      const refreshed = await oauth.processRefreshTokenResponse(as, c, await oauth.refreshTokenGrantRequest(as, c, auth, tokens.refresh_token!, http));
      const introspected = await oauth.processIntrospectionResponse(as, c, await oauth.introspectionRequest(as, c, auth, refreshed.access_token, http));
      assert.equal(introspected.active, true);
      await oauth.processRevocationResponse(await oauth.revocationRequest(as, c, auth, refreshed.refresh_token!, http));
      const gone = await oauth.processIntrospectionResponse(as, c, await oauth.introspectionRequest(as, c, auth, refreshed.refresh_token!, http));
      assert.equal(gone.active, false);

      const m2mClient: oauth.Client = { client_id: service.clientId };
      const m2m = await oauth.processClientCredentialsResponse(
        as,
        m2mClient,
        await oauth.clientCredentialsGrantRequest(as, m2mClient, oauth.ClientSecretBasic(service.secret!), new URLSearchParams({ scope: 'api:read' }), http),
      );
      assert.equal(m2m.scope, 'api:read');
    });

    it('code + PKCE for an API named by resource (RFC 8707): the access token validates for that audience only', async () => {
      const issuer = new URL(server.issuer);
      const http = { [oauth.allowInsecureRequests]: true } as const;
      const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, http));
      const c: oauth.Client = { client_id: web.clientId };
      const auth = oauth.ClientSecretBasic(web.secret!);
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const url = new URL(as.authorization_endpoint!);
      const query = { client_id: web.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid reports:read', state, resource: REPORTS, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' };
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
      const callback = await new Browser(server.issuer).authorize(url.href, { username: 'ivy', password });
      const params = oauth.validateAuthResponse(as, c, callback, state);
      const response = await oauth.authorizationCodeGrantRequest(as, c, auth, params, CALLBACK, verifier, { ...http, additionalParameters: { resource: REPORTS } });
      const tokens = await oauth.processAuthorizationCodeResponse(as, c, response, { requireIdToken: true });
      assert.equal(tokens.scope, 'openid reports:read');
      const call = () => new Request(`${REPORTS}weekly`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      const at = await oauth.validateJwtAccessToken(as, call(), REPORTS, http);
      assert.equal(at.aud, REPORTS);
      await assert.rejects(oauth.validateJwtAccessToken(as, call(), 'https://api.example.com/', http), 'another API refuses it');
    });
  });

  describe('authlib (Python, Debian python3-authlib)', () => {
    const authlib = (step: string, args: Record<string, unknown>): Promise<Record<string, unknown>> =>
      new Promise((resolve, reject) => {
        // authlib refuses plain http unless told the transport is a test's loopback.
        const child = spawn('/usr/bin/python3', [SCRIPT, step], { env: { ...process.env, AUTHLIB_INSECURE_TRANSPORT: '1' } });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Record<string, unknown>) : reject(new Error(`authlib ${step} failed (${code}): ${err}`))));
        child.stdin.end(JSON.stringify(args));
      });

    it('code + PKCE with ID token validation, userinfo, refresh, introspection, revocation', async () => {
      const common = { issuer: server.issuer, client_id: web.clientId, client_secret: web.secret, scope: 'openid profile api:read', redirect_uri: CALLBACK };
      const started = await authlib('start', common);
      assert.match(String(started['url']), /code_challenge_method=S256/);
      const callback = await new Browser(server.issuer).authorize(String(started['url']), { username: 'ivy', password });
      const report = await authlib('finish', { ...common, ...started, callback: callback.href });
      assert.equal(report['aud'], web.clientId);
      assert.equal(report['name'], 'Ivy Interop');
      assert.equal(report['rotated'], true);
      assert.deepEqual(report['introspected'], { active: true, sub: report['sub'], scope: 'openid profile api:read' });
      assert.equal(report['revocation_status'], 200);
      assert.deepEqual(report['after_revocation'], { active: false });
    });

    it('client credentials, with the access token checked against the JWKS', async () => {
      const report = await authlib('client-credentials', { issuer: server.issuer, client_id: service.clientId, client_secret: service.secret, scope: 'api:read' });
      assert.deepEqual(report, { token_type: 'Bearer', scope: 'api:read', client_id: service.clientId, sub: service.clientId, aud: server.issuer });
    });

    it('client credentials for an API named by resource (RFC 8707), its audience checked by authlib', async () => {
      const report = await authlib('client-credentials', { issuer: server.issuer, client_id: service.clientId, client_secret: service.secret, scope: 'reports:read', resource: REPORTS });
      assert.deepEqual(report, { token_type: 'Bearer', scope: 'reports:read', client_id: service.clientId, sub: service.clientId, aud: REPORTS });
    });
  });
});
