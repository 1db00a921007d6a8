import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import * as oauth from 'oauth4webapi';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { basic, postForm } from '../helpers/http.js';

const CALLBACK = 'https://app.example.com/cb';
const API = 'notes-api';
const INACTIVE = { active: false };

describe('introspection endpoint (RFC 7662)', () => {
  let server: TestServer;
  let password: string;
  let sub: string;
  let web: { clientId: string; secret?: string };
  let other: { clientId: string; secret?: string };
  let api: { clientId: string; secret?: string };
  let config: client.Configuration;

  before(async () => {
    // Access tokens are meant for the notes API, which introspects them as a client of its own.
    server = await startTestServer({ accessTokenAudience: API });
    ({ password, sub } = await server.addUser({ username: 'ivan' }));
    const scopes = ['openid', 'profile', 'notes:read'];
    web = await server.addClient({ name: 'Web', redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'], scopes });
    other = await server.addClient({ name: 'Other', redirectUris: [CALLBACK], scopes });
    api = await server.addClient({ clientId: API, name: 'Notes API', grantTypes: ['client_credentials'], scopes: [] });
    config = await discover(server, web.clientId, web.secret);
  });
  after(() => server.close());

  const signIn = () => codeFlow(server, config, CALLBACK, 'openid profile notes:read', { username: 'ivan', password });
  const introspect = (token: string, who = web) => postForm(`${server.issuer}/introspect`, { token }, basic(who.clientId, who.secret!));

  it('describes an active access token to the client it was issued to', async () => {
    const { tokens } = await signIn();
    const answer = await client.tokenIntrospection(config, tokens.access_token);
    assert.equal(answer.active, true);
    assert.equal(answer.scope, 'openid profile notes:read');
    assert.equal(answer.client_id, web.clientId);
    assert.equal(answer.sub, sub);
    assert.equal(answer.iss, server.issuer);
    assert.equal(answer.token_type, 'Bearer');
    assert.equal(answer.aud, API);
    assert.equal(typeof answer.exp, 'number');
    assert.equal(typeof answer.iat, 'number');
    assert.ok(answer.exp! > answer.iat!);
  });

  it('describes a token to the resource server named in its audience (oauth4webapi as that server)', async () => {
    const { tokens } = await signIn();
    const as = await oauth.processDiscoveryResponse(new URL(server.issuer), await oauth.discoveryRequest(new URL(server.issuer), { [oauth.allowInsecureRequests]: true }));
    const rs: oauth.Client = { client_id: API };
    const response = await oauth.introspectionRequest(as, rs, oauth.ClientSecretBasic(api.secret!), tokens.access_token, { [oauth.allowInsecureRequests]: true });
    const answer = await oauth.processIntrospectionResponse(as, rs, response);
    assert.equal(answer.active, true);
    assert.equal(answer.client_id, web.clientId);
    assert.equal(answer.sub, sub);
  });

  it('describes an active refresh token, and nothing once it is rotated out', async () => {
    const { tokens } = await signIn();
    const answer = await client.tokenIntrospection(config, tokens.refresh_token!, { token_type_hint: 'refresh_token' });
    assert.equal(answer.active, true);
    assert.equal(answer.client_id, web.clientId);
    assert.equal(answer.sub, sub);
    assert.equal(answer.token_type, 'refresh_token');
    await client.refreshTokenGrant(config, tokens.refresh_token!);
    assert.deepEqual((await introspect(tokens.refresh_token!)).body, INACTIVE);
  });

  it('describes a client_credentials token, with the client as subject', async () => {
    const cc = await client.clientCredentialsGrant(config, { scope: 'notes:read' });
    const answer = (await introspect(cc.access_token)).body;
    assert.equal(answer['active'], true);
    assert.equal(answer['sub'], web.clientId);
    assert.equal(answer['scope'], 'notes:read');
  });

  it('says exactly {"active": false} to a client that is neither the token\'s client nor its audience', async () => {
    const { tokens } = await signIn();
    for (const token of [tokens.access_token, tokens.refresh_token!]) {
      const res = await introspect(token, other);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, INACTIVE);
    }
    // The resource server may see access tokens meant for it, not the client's refresh tokens.
    assert.deepEqual((await introspect(tokens.refresh_token!, api)).body, INACTIVE);
  });

  it('says exactly {"active": false} for unknown, malformed, expired and revoked tokens', async () => {
    const { tokens } = await signIn();
    const tampered = tokens.access_token.slice(0, -4) + (tokens.access_token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const token of ['unknown', 'a.b.c', tampered, tokens.id_token!]) assert.deepEqual((await introspect(token)).body, INACTIVE, token);

    const revoked = await signIn();
    await client.tokenRevocation(config, revoked.tokens.access_token);
    assert.deepEqual((await introspect(revoked.tokens.access_token)).body, INACTIVE);

    const expiring = await signIn();
    server.advance(16 * 60);
    try {
      assert.deepEqual((await introspect(expiring.tokens.access_token)).body, INACTIVE, 'expired access token');
    } finally {
      server.advance(-16 * 60);
    }
    server.advance(31 * 24 * 3600);
    try {
      assert.deepEqual((await introspect(expiring.tokens.refresh_token!)).body, INACTIVE, 'expired refresh token');
    } finally {
      server.advance(-31 * 24 * 3600);
    }
  });

  it('reports inactive the access tokens revoked by refresh reuse and by code replay', async () => {
    const reuse = await signIn();
    const next = await client.refreshTokenGrant(config, reuse.tokens.refresh_token!);
    await assert.rejects(client.refreshTokenGrant(config, reuse.tokens.refresh_token!));
    assert.deepEqual((await introspect(next.access_token)).body, INACTIVE);
    assert.deepEqual((await introspect(reuse.tokens.access_token)).body, INACTIVE);

    const replay = await signIn();
    const code = replay.callback.searchParams.get('code')!;
    const again = await postForm(`${server.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: replay.verifier }, basic(web.clientId, web.secret!));
    assert.equal(again.body['error'], 'invalid_grant');
    assert.deepEqual((await introspect(replay.tokens.access_token)).body, INACTIVE);
  });

  it('requires client authentication: 401 without it, and for public clients', async () => {
    const { tokens } = await signIn();
    const anonymous = await postForm(`${server.issuer}/introspect`, { token: tokens.access_token });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body['error'], 'invalid_client');
    const wrong = await postForm(`${server.issuer}/introspect`, { token: tokens.access_token }, basic(web.clientId, 'nope'));
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /^Basic/);
    const spa = await server.addClient({ name: 'SPA', type: 'public', redirectUris: ['http://127.0.0.1/cb'] });
    const publicClient = await postForm(`${server.issuer}/introspect`, { token: tokens.access_token, client_id: spa.clientId });
    assert.equal(publicClient.status, 401);
    assert.equal(publicClient.body['error'], 'invalid_client');
  });

  it('answers with no-store, refuses duplicated parameters and bad bodies', async () => {
    const { tokens } = await signIn();
    const ok = await introspect(tokens.access_token);
    assert.equal(ok.headers.get('cache-control'), 'no-store');
    const dup = await postForm(`${server.issuer}/introspect`, `token=${tokens.access_token}&token=x`, basic(web.clientId, web.secret!));
    assert.equal(dup.status, 400);
    assert.equal(dup.body['error'], 'invalid_request');
    assert.equal(dup.headers.get('cache-control'), 'no-store');
    const missing = await postForm(`${server.issuer}/introspect`, {}, basic(web.clientId, web.secret!));
    assert.equal(missing.status, 400);
    assert.equal(missing.body['error'], 'invalid_request');
    const get = await fetch(`${server.issuer}/introspect?token=x`);
    assert.equal(get.status, 405);
    const cors = await fetch(`${server.issuer}/introspect`, { method: 'OPTIONS', headers: { origin: 'https://evil.example.com' } });
    assert.equal(cors.headers.get('access-control-allow-origin'), null);
  });

  it('is advertised in discovery, with the methods that authenticate', async () => {
    const meta = config.serverMetadata();
    assert.equal(meta.introspection_endpoint, `${server.issuer}/introspect`);
    assert.deepEqual(meta.introspection_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post']);
  });
});
