import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeFlow } from '../helpers/oidc.js';
import { Browser, textOf } from '../helpers/browser.js';
import { tesseraJson } from '../helpers/cli.js';

const CALLBACK = 'https://dyn.example.com/cb';

async function register(server: TestServer, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  const response = await fetch(`${server.issuer}/register`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
}

describe('dynamic client registration (RFC 7591) and management (RFC 7592)', () => {
  let server: TestServer;
  let user: { username: string; password: string; sub: string };
  let data: string[];

  before(async () => {
    server = await startTestServer();
    user = await server.addUser({ username: 'dora' });
    data = server.storeArgs;
  });
  after(() => server.close());

  const initialToken = async (uses = 1, expiresIn?: number) =>
    (await tesseraJson<{ token: string }>(['registration-token', 'create', '--uses', String(uses), ...(expiresIn ? ['--expires-in', String(expiresIn)] : []), ...data])).token;

  it('registers a client with openid-client and an operator\'s initial access token; the client signs a user in', async () => {
    const token = await initialToken();
    const config = await client.dynamicClientRegistration(
      new URL(server.issuer),
      { client_name: 'Dyn App', redirect_uris: [CALLBACK], grant_types: ['authorization_code', 'refresh_token'], scope: 'openid profile', logo_uri: 'https://dyn.example.com/logo.png' },
      client.ClientSecretBasic(),
      { initialAccessToken: token, execute: [client.allowInsecureRequests] },
    );
    const metadata = config.clientMetadata();
    assert.ok(metadata.client_id && metadata.client_secret);
    assert.equal(metadata['logo_uri'], 'https://dyn.example.com/logo.png');

    // The consent page marks a self-registered app as unverified.
    const browser = new Browser(server.issuer);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    let step = await browser.visit(url.href);
    assert.ok(!('leftTo' in step));
    step = await browser.submit(step, { username: user.username, password: user.password });
    assert.ok(!('leftTo' in step));
    assert.match(textOf(step.html), /Unverified app/);
    const { tokens } = await codeFlow(server, config, CALLBACK, 'openid profile', { username: user.username, password: user.password }, browser);
    assert.equal(tokens.claims()?.sub, user.sub);

    // The token was for one registration only.
    const again = await register(server, { redirect_uris: [CALLBACK] }, token);
    assert.equal(again.status, 401);
    assert.equal(again.body['error'], 'invalid_token');
  });

  it('answers 201 with the credentials and a registration access token that reads, updates and deletes only its own client', async () => {
    const created = await register(server, { client_name: 'Mine', redirect_uris: [CALLBACK], client_id: 'chosen', client_secret: 'chosen-secret', unknown_field: 1 }, await initialToken());
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('cache-control'), 'no-store');
    const b = created.body;
    assert.notEqual(b['client_id'], 'chosen');
    assert.notEqual(b['client_secret'], 'chosen-secret');
    assert.equal(typeof b['client_id_issued_at'], 'number');
    assert.equal(b['client_secret_expires_at'], 0);
    assert.equal(b['unknown_field'], undefined);
    const rat = b['registration_access_token'] as string;
    const uri = b['registration_client_uri'] as string;
    assert.equal(uri, `${server.issuer}/register/${encodeURIComponent(b['client_id'] as string)}`);

    const read = await fetch(uri, { headers: { authorization: `Bearer ${rat}` } });
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as Record<string, unknown>)['client_name'], 'Mine');

    const other = await register(server, { client_name: 'Other', redirect_uris: [CALLBACK] }, await initialToken());
    const otherUri = other.body['registration_client_uri'] as string;
    for (const method of ['GET', 'DELETE']) assert.equal((await fetch(otherUri, { method, headers: { authorization: `Bearer ${rat}` } })).status, 401, `${method} another client`);
    assert.equal((await fetch(uri)).status, 401, 'no token');

    const updated = await fetch(uri, {
      method: 'PUT',
      headers: { authorization: `Bearer ${rat}`, 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: b['client_id'], client_name: 'Renamed', redirect_uris: [CALLBACK, 'https://dyn.example.com/cb2'] }),
    });
    assert.equal(updated.status, 200);
    const view = (await updated.json()) as Record<string, unknown>;
    assert.equal(view['client_name'], 'Renamed');
    assert.deepEqual(view['redirect_uris'], [CALLBACK, 'https://dyn.example.com/cb2']);

    const deleted = await fetch(uri, { method: 'DELETE', headers: { authorization: `Bearer ${rat}` } });
    assert.equal(deleted.status, 204);
    assert.equal((await fetch(uri, { headers: { authorization: `Bearer ${rat}` } })).status, 401);
    assert.equal((await fetch(otherUri, { headers: { authorization: `Bearer ${other.body['registration_access_token'] as string}` } })).status, 200);
  });

  it('needs an initial access token by default; expired and unknown ones are refused', async () => {
    const none = await register(server, { redirect_uris: [CALLBACK] });
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await register(server, { redirect_uris: [CALLBACK] }, 'made-up')).status, 401);
    const expiring = await initialToken(5, 60);
    server.advance(61);
    try {
      assert.equal((await register(server, { redirect_uris: [CALLBACK] }, expiring)).status, 401);
    } finally {
      server.advance(-61);
    }
  });

  it('validates metadata strictly, with RFC 7591 §3.2.2 errors', async () => {
    const token = await initialToken(100);
    const cases: [unknown, string][] = [
      [{ redirect_uris: ['http://dyn.example.com/cb'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: ['https://dyn.example.com/cb#frag'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: ['https://*.example.com/cb'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: ['data:text/html,hi'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: ['file:///etc/passwd'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: ['http://127.0.0.1/cb'] }, 'invalid_redirect_uri'],
      [{ application_type: 'native', token_endpoint_auth_method: 'none', redirect_uris: ['myapp:/cb'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: [] }, 'invalid_redirect_uri'],
      [{ redirect_uris: [CALLBACK], grant_types: ['password'] }, 'invalid_client_metadata'],
      [{ redirect_uris: [CALLBACK], grant_types: ['implicit'], response_types: ['token'] }, 'invalid_client_metadata'],
      [{ redirect_uris: [CALLBACK], response_types: ['code id_token'] }, 'invalid_client_metadata'],
      [{ redirect_uris: [CALLBACK], grant_types: ['client_credentials'], response_types: ['code'] }, 'invalid_client_metadata'],
      [{ redirect_uris: [CALLBACK], token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata'],
      [{ redirect_uris: [CALLBACK], logo_uri: 'http://dyn.example.com/logo.png' }, 'invalid_client_metadata'],
      [{ redirect_uris: [CALLBACK], policy_uri: 'https://127.0.0.1/policy' }, 'invalid_client_metadata'],
      [{ redirect_uris: [CALLBACK], tos_uri: 'https://10.1.2.3/tos' }, 'invalid_client_metadata'],
      [{ redirect_uris: [CALLBACK], jwks_uri: 'https://localhost/jwks' }, 'invalid_client_metadata'],
      [{ redirect_uris: [CALLBACK], logo_uri: 'https://[::1]/x.png' }, 'invalid_client_metadata'],
      [{ redirect_uris: 'https://dyn.example.com/cb' }, 'invalid_client_metadata'],
      [{ redirect_uris: [CALLBACK], client_name: 42 }, 'invalid_client_metadata'],
      // Scopes beyond self-service (an API's) need an operator: else client credentials would grant them to anyone.
      [{ redirect_uris: [CALLBACK], scope: 'openid payments:write' }, 'invalid_client_metadata'],
      [{ grant_types: ['client_credentials'], response_types: [], scope: 'admin' }, 'invalid_client_metadata'],
      [[CALLBACK], 'invalid_client_metadata'],
    ];
    for (const [body, error] of cases) {
      const res = await register(server, body, token);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body['error'], error, JSON.stringify(body));
      assert.equal(typeof res.body['error_description'], 'string');
      assert.equal(res.headers.get('cache-control'), 'no-store');
    }
    const nativeOk = await register(server, { application_type: 'native', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1/cb', 'com.example.app:/cb'] }, token);
    assert.equal(nativeOk.status, 201);
    assert.equal(nativeOk.body['client_secret'], undefined, 'a public client gets no secret');
    const bad = await fetch(`${server.issuer}/register`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{nope' });
    assert.equal(bad.status, 400);
    const form = await fetch(`${server.issuer}/register`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'redirect_uris=x' });
    assert.equal(form.status, 400);
  });

  it('keeps registration access tokens only as hashes, and is advertised in discovery', async () => {
    const created = await register(server, { redirect_uris: [CALLBACK] }, await initialToken());
    const stored = await server.tessera.ctx.stores.clients.find(created.body['client_id'] as string);
    assert.ok(stored?.registrationTokenHash);
    assert.notEqual(stored.registrationTokenHash, created.body['registration_access_token']);
    const meta = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(meta['registration_endpoint'], `${server.issuer}/register`);
  });
});

describe('open registration (an operator option)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ openRegistration: true });
  });
  after(() => server.close());

  it('registers without an initial access token', async () => {
    const res = await register(server, { redirect_uris: [CALLBACK] });
    assert.equal(res.status, 201);
  });
});
