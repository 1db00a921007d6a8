import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/http.js';
import { buildClient } from '../../src/core/clients/registration.js';
import { keyedHash } from '../../src/core/crypto.js';
import { issueAccessToken } from '../../src/core/tokens/access-token.js';

describe('token endpoint: client authentication and request rules', () => {
  let server: TestServer;
  let svc: { clientId: string; secret?: string };
  let token: string;

  before(async () => {
    server = await startTestServer();
    svc = await server.addClient({ name: 'Svc', grantTypes: ['client_credentials'], scopes: ['read'] });
    token = `${server.issuer}/token`;
  });
  after(() => server.close());

  const cc = { grant_type: 'client_credentials' };

  it('authenticates with client_secret_basic, form-decoding the credentials and with any case of the scheme', async () => {
    assert.equal((await postForm(token, cc, basic(svc.clientId, svc.secret!))).status, 200);
    const lower = { authorization: basic(svc.clientId, svc.secret!)['authorization']!.replace('Basic', 'basic') };
    assert.equal((await postForm(token, cc, lower)).status, 200);

    // A secret with characters that RFC 6749 §2.3.1 says must be form-encoded in the header.
    const { ctx } = server.tessera;
    const { client } = buildClient({ name: 'Odd', grantTypes: ['client_credentials'], scopes: ['read'] }, ctx.pepper, ctx.now());
    await ctx.stores.clients.create({ ...client, clientId: 'odd id:+&%', secretHash: keyedHash(ctx.pepper, 'se:cr et+/%') });
    assert.equal((await postForm(token, cc, basic('odd id:+&%', 'se:cr et+/%'))).status, 200);
  });

  it('answers a wrong secret in the header with 401 and WWW-Authenticate', async () => {
    const r = await postForm(token, cc, basic(svc.clientId, 'wrong'));
    assert.equal(r.status, 401);
    assert.equal(r.body['error'], 'invalid_client');
    assert.match(r.headers.get('www-authenticate') ?? '', /^Basic /);
    assert.equal(r.headers.get('cache-control'), 'no-store');
  });

  it('refuses wrong, unknown, mismatched and doubled client authentication', async () => {
    const post = (form: Record<string, string>) => postForm(token, { ...cc, ...form });
    assert.equal((await post({ client_id: svc.clientId, client_secret: svc.secret! })).body['error'], 'invalid_client', 'registered for basic, used post');
    assert.equal((await post({ client_id: 'unknown', client_secret: 'x' })).status, 401);
    assert.equal((await post({ client_id: svc.clientId })).body['error'], 'invalid_client', 'confidential client without a secret');
    assert.equal((await post({})).body['error'], 'invalid_client');

    const both = await postForm(token, { ...cc, client_secret: svc.secret! }, basic(svc.clientId, svc.secret!));
    assert.equal(both.body['error'], 'invalid_request', 'two methods in one request');
    const mismatch = await postForm(token, { ...cc, client_id: 'someone-else' }, basic(svc.clientId, svc.secret!));
    assert.equal(mismatch.body['error'], 'invalid_request');
    for (const header of ['Basic', 'Basic !!!', 'Basic ' + Buffer.from('no-colon').toString('base64'), 'Bearer abc', 'Digest x']) {
      const r = await postForm(token, cc, { authorization: header });
      assert.equal(r.status, 401, header);
      assert.equal(r.body['error'], 'invalid_client', header);
    }
  });

  it('refuses a disabled client', async () => {
    const off = await server.addClient({ name: 'Off', grantTypes: ['client_credentials'], scopes: ['read'] });
    const stored = (await server.tessera.ctx.stores.clients.find(off.clientId))!;
    await server.tessera.ctx.stores.clients.setState(stored.clientId, { disabled: true }, server.tessera.ctx.now());
    assert.equal((await postForm(token, cc, basic(off.clientId, off.secret!))).status, 401);
  });

  it('keeps public clients away from client_credentials and checks grant types', async () => {
    const pub = await server.addClient({ name: 'SPA', type: 'public', redirectUris: ['https://spa.example.com/cb'], scopes: ['openid'] });
    assert.equal((await postForm(token, { ...cc, client_id: pub.clientId })).body['error'], 'unauthorized_client');
    assert.equal((await postForm(token, { grant_type: 'authorization_code', code: 'x' }, basic(svc.clientId, svc.secret!))).body['error'], 'unauthorized_client');
    // The password grant exists but is off for every client not explicitly allowed it.
    assert.equal((await postForm(token, { grant_type: 'password', username: 'a', password: 'b' }, basic(svc.clientId, svc.secret!))).body['error'], 'unauthorized_client');
    assert.equal((await postForm(token, { grant_type: 'implicit' }, basic(svc.clientId, svc.secret!))).body['error'], 'unsupported_grant_type');
    assert.equal((await postForm(token, {}, basic(svc.clientId, svc.secret!))).body['error'], 'invalid_request');
  });

  it('refuses duplicated parameters, parameters in the URL, other methods and other content types', async () => {
    const dup = await postForm(token, 'grant_type=client_credentials&grant_type=client_credentials', basic(svc.clientId, svc.secret!));
    assert.equal(dup.body['error'], 'invalid_request');
    const dupScope = await postForm(token, 'grant_type=client_credentials&scope=read&scope=read', basic(svc.clientId, svc.secret!));
    assert.equal(dupScope.body['error'], 'invalid_request');
    const inUrl = await postForm(`${token}?client_secret=${svc.secret}`, cc, basic(svc.clientId, svc.secret!));
    assert.equal(inUrl.body['error'], 'invalid_request');

    const get = await fetch(`${token}?grant_type=client_credentials`, { headers: basic(svc.clientId, svc.secret!) });
    assert.equal(get.status, 405);
    assert.equal(((await get.json()) as Record<string, unknown>)['error'], 'invalid_request');
    const asJson = await fetch(token, { method: 'POST', headers: { ...basic(svc.clientId, svc.secret!), 'content-type': 'application/json' }, body: JSON.stringify(cc) });
    assert.equal(asJson.status, 400);
    assert.equal(((await asJson.json()) as Record<string, unknown>)['error'], 'invalid_request');
  });

  it('gives browser apps CORS on the token endpoint', async () => {
    const preflight = await fetch(token, { method: 'OPTIONS', headers: { origin: 'https://spa.example.com', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  });
});

describe('userinfo endpoint errors', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('answers 401 with a Bearer challenge for a missing, malformed or foreign token', async () => {
    const none = await fetch(`${server.issuer}/userinfo`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm="tessera"/);
    for (const auth of ['Bearer not-a-jwt', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'Basic abc']) {
      const r = await fetch(`${server.issuer}/userinfo`, { headers: { authorization: auth } });
      assert.equal(r.status, 401, auth);
      assert.match(r.headers.get('www-authenticate') ?? '', /error="invalid_token"/, auth);
    }
  });

  it('refuses a token in the query string', async () => {
    const r = await fetch(`${server.issuer}/userinfo?access_token=abc`);
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as Record<string, unknown>)['error'], 'invalid_request');
  });

  it('answers 403 insufficient_scope for a token without openid (a client_credentials token)', async () => {
    const svc = await server.addClient({ name: 'Svc', grantTypes: ['client_credentials'], scopes: ['read'] });
    const t = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(svc.clientId, svc.secret!));
    const r = await fetch(`${server.issuer}/userinfo`, { headers: { authorization: `Bearer ${t.body['access_token']}` } });
    assert.equal(r.status, 403);
    assert.match(r.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
  });

  it('answers 401 for an expired token', async () => {
    const user = await server.addUser({ username: 'old' });
    const svc = await server.addClient({ name: 'Svc2', redirectUris: ['https://a.example.com/cb'], scopes: ['openid'] });
    // The JWT library checks `exp` against the real clock, so mint a token whose life ended an hour ago.
    const { ctx } = server.tessera;
    const old = await issueAccessToken(ctx.config, ctx.keys, { subject: user.sub, clientId: svc.clientId, scopes: ['openid'] }, Math.floor(Date.now() / 1000) - 3600);
    const r = await fetch(`${server.issuer}/userinfo`, { headers: { authorization: `Bearer ${old.token}` } });
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });
});
