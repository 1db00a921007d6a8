import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { basic, postForm, userinfoStatus } from '../helpers/http.js';

const CALLBACK = 'https://app.example.com/cb';
const SPA_CALLBACK = 'http://127.0.0.1/cb';

describe('revocation endpoint (RFC 7009)', () => {
  let server: TestServer;
  let password: string;
  let web: { clientId: string; secret?: string };
  let other: { clientId: string; secret?: string };
  let config: client.Configuration;
  let otherConfig: client.Configuration;

  before(async () => {
    server = await startTestServer();
    password = (await server.addUser({ username: 'rita' })).password;
    const scopes = ['openid', 'profile', 'api:read'];
    web = await server.addClient({ name: 'Web', redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'], scopes });
    other = await server.addClient({ name: 'Other', redirectUris: [CALLBACK], scopes });
    config = await discover(server, web.clientId, web.secret);
    otherConfig = await discover(server, other.clientId, other.secret);
  });
  after(() => server.close());

  const signIn = (cfg = config) => codeFlow(server, cfg, CALLBACK, 'openid profile api:read', { username: 'rita', password });
  const revoke = (form: Record<string, string> | string, auth = basic(web.clientId, web.secret!)) => postForm(`${server.issuer}/revoke`, form, auth);
  const refreshFails = async (cfg: client.Configuration, token: string) =>
    assert.rejects(client.refreshTokenGrant(cfg, token), (e: client.ResponseBodyError) => e.error === 'invalid_grant');

  it('revokes an access token: userinfo refuses it at once', async () => {
    const { tokens } = await signIn();
    assert.equal(await userinfoStatus(server.issuer, tokens.access_token), 200);
    await client.tokenRevocation(config, tokens.access_token, { token_type_hint: 'access_token' });
    assert.equal(await userinfoStatus(server.issuer, tokens.access_token), 401);
    // The refresh token of the same grant still works: an access token alone was revoked.
    const next = await client.refreshTokenGrant(config, tokens.refresh_token!);
    assert.equal(await userinfoStatus(server.issuer, next.access_token), 200);
  });

  it('revokes a refresh token and the access tokens of its grant', async () => {
    const { tokens } = await signIn();
    const rotated = await client.refreshTokenGrant(config, tokens.refresh_token!);
    await client.tokenRevocation(config, rotated.refresh_token!);
    await refreshFails(config, rotated.refresh_token!);
    assert.equal(await userinfoStatus(server.issuer, rotated.access_token), 401);
    assert.equal(await userinfoStatus(server.issuer, tokens.access_token), 401);
  });

  it('works with a wrong or unknown token_type_hint', async () => {
    const a = await signIn();
    await client.tokenRevocation(config, a.tokens.refresh_token!, { token_type_hint: 'access_token' });
    await refreshFails(config, a.tokens.refresh_token!);
    const b = await signIn();
    const res = await revoke({ token: b.tokens.access_token, token_type_hint: 'refresh_token' });
    assert.equal(res.status, 200);
    assert.equal(await userinfoStatus(server.issuer, b.tokens.access_token), 401);
    const c = await signIn();
    assert.equal((await revoke({ token: c.tokens.access_token, token_type_hint: 'something_else' })).status, 200);
    assert.equal(await userinfoStatus(server.issuer, c.tokens.access_token), 401);
  });

  it('revokes a client_credentials access token', async () => {
    const cc = await client.clientCredentialsGrant(config, { scope: 'api:read' });
    await client.tokenRevocation(config, cc.access_token);
    const introspected = await client.tokenIntrospection(config, cc.access_token);
    assert.deepEqual(introspected, { active: false });
  });

  it('answers 200 for unknown tokens, with no-store and an empty body', async () => {
    for (const token of ['not-a-token', 'a.b.c', 'x'.repeat(500)]) {
      const res = await fetch(`${server.issuer}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic(web.clientId, web.secret!) },
        body: new URLSearchParams({ token }).toString(),
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(await res.text(), '');
    }
  });

  it('never lets a client revoke another client\'s tokens (silent 200, nothing revoked)', async () => {
    const { tokens } = await signIn();
    for (const token of [tokens.access_token, tokens.refresh_token!]) {
      const res = await revoke({ token }, basic(other.clientId, other.secret!));
      assert.equal(res.status, 200);
    }
    assert.equal(await userinfoStatus(server.issuer, tokens.access_token), 200);
    const next = await client.refreshTokenGrant(config, tokens.refresh_token!);
    assert.ok(next.access_token);
  });

  it('lets a public client revoke its own refresh token with client_id alone', async () => {
    const spa = await server.addClient({ name: 'SPA', type: 'public', redirectUris: [SPA_CALLBACK], scopes: ['openid', 'api:read'] });
    const spaConfig = await discover(server, spa.clientId);
    const { tokens } = await codeFlow(server, spaConfig, SPA_CALLBACK, 'openid api:read', { username: 'rita', password });
    await client.tokenRevocation(spaConfig, tokens.refresh_token!);
    await refreshFails(spaConfig, tokens.refresh_token!);
    // CORS lets the browser app make this call.
    const res = await fetch(`${server.issuer}/revoke`, { method: 'OPTIONS', headers: { origin: 'https://spa.example.com', 'access-control-request-method': 'POST' } });
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
  });

  it('refuses bad requests in the RFC 6749 §5.2 format', async () => {
    const { tokens } = await signIn();
    const missing = await revoke({});
    assert.equal(missing.status, 400);
    assert.equal(missing.body['error'], 'invalid_request');
    assert.equal(missing.headers.get('cache-control'), 'no-store');

    const duplicated = await revoke(`token=${tokens.access_token}&token=${tokens.access_token}`);
    assert.equal(duplicated.status, 400);
    assert.equal(duplicated.body['error'], 'invalid_request');

    const wrongSecret = await revoke({ token: tokens.access_token }, basic(web.clientId, 'wrong'));
    assert.equal(wrongSecret.status, 401);
    assert.equal(wrongSecret.body['error'], 'invalid_client');
    assert.match(wrongSecret.headers.get('www-authenticate') ?? '', /^Basic/);

    const anonymous = await postForm(`${server.issuer}/revoke`, { token: tokens.access_token });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body['error'], 'invalid_client');

    const get = await fetch(`${server.issuer}/revoke?token=x`);
    assert.equal(get.status, 405);
    const json = await fetch(`${server.issuer}/revoke`, { method: 'POST', headers: { 'content-type': 'application/json', ...basic(web.clientId, web.secret!) }, body: '{"token":"x"}' });
    assert.equal(json.status, 400);
    assert.equal(((await json.json()) as Record<string, unknown>)['error'], 'invalid_request');
    // None of these revoked anything.
    assert.equal(await userinfoStatus(server.issuer, tokens.access_token), 200);
  });

  it('is advertised in discovery', async () => {
    const meta = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(meta['revocation_endpoint'], `${server.issuer}/revoke`);
    assert.deepEqual(meta['revocation_endpoint_auth_methods_supported'], ['client_secret_basic', 'client_secret_post', 'none']);
    assert.equal(otherConfig.serverMetadata().revocation_endpoint, `${server.issuer}/revoke`);
  });
});
