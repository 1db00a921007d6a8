import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/http.js';

/** RFC 6750 §2.2: a client may send its access token to /userinfo as a form-encoded POST parameter. */
describe('userinfo: the access token in a form-encoded POST body', () => {
  let server: TestServer;
  let sub: string;
  let accessToken: string;

  before(async () => {
    server = await startTestServer();
    const user = await server.addUser({ username: 'uma', email: 'uma@example.com' });
    sub = user.sub;
    // The password grant is the shortest way to a token with `openid` for this test.
    const app = await server.addClient({ name: 'Legacy', grantTypes: ['password'], scopes: ['openid', 'email'] });
    const tokens = await postForm(`${server.issuer}/token`, { grant_type: 'password', username: user.username, password: user.password, scope: 'openid email' }, basic(app.clientId, app.secret!));
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    accessToken = String(tokens.body['access_token']);
  });
  after(() => server.close());

  const userinfo = (init: RequestInit & { path?: string } = {}) => fetch(`${server.issuer}${init.path ?? '/userinfo'}`, init);
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

  it('answers the claims for a token in the body, as for one in the header', async () => {
    const r = await userinfo({ method: 'POST', headers: FORM, body: new URLSearchParams({ access_token: accessToken }).toString() });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const claims = (await r.json()) as Record<string, unknown>;
    assert.equal(claims['sub'], sub);
    assert.equal(claims['email'], 'uma@example.com');

    const viaHeader = await userinfo({ method: 'POST', headers: { authorization: `Bearer ${accessToken}` } });
    assert.deepEqual(await viaHeader.json(), claims);
  });

  it('checks a token in the body like one in the header: a bad one is 401 invalid_token', async () => {
    for (const token of ['not-a-jwt', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'has space', '']) {
      const r = await userinfo({ method: 'POST', headers: FORM, body: new URLSearchParams({ access_token: token }).toString() });
      assert.equal(r.status, 401, token);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer realm="tessera", error="invalid_token"/, token);
    }
  });

  it('refuses a token sent two ways at once (RFC 6750 §2: one method only) or twice in the body', async () => {
    const both = await userinfo({ method: 'POST', headers: { ...FORM, authorization: `Bearer ${accessToken}` }, body: `access_token=${accessToken}` });
    assert.equal(both.status, 400);
    assert.equal(((await both.json()) as Record<string, unknown>)['error'], 'invalid_request');
    assert.match(both.headers.get('www-authenticate') ?? '', /error="invalid_request"/);

    const twice = await userinfo({ method: 'POST', headers: FORM, body: `access_token=${accessToken}&access_token=${accessToken}` });
    assert.equal(twice.status, 400);
    assert.equal(((await twice.json()) as Record<string, unknown>)['error'], 'invalid_request');
  });

  it('still refuses a token in the query string, on GET and on POST', async () => {
    for (const method of ['GET', 'POST']) {
      const r = await userinfo({ method, path: `/userinfo?access_token=${accessToken}` });
      assert.equal(r.status, 400, method);
      assert.equal(((await r.json()) as Record<string, unknown>)['error'], 'invalid_request', method);
    }
  });

  it('takes the body only when it is application/x-www-form-urlencoded', async () => {
    const asJson = await userinfo({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: accessToken }) });
    assert.equal(asJson.status, 401, 'a JSON body carries no token');
    assert.equal(asJson.headers.get('www-authenticate'), 'Bearer realm="tessera"');
    const asText = await userinfo({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: `access_token=${accessToken}` });
    assert.equal(asText.status, 401, 'nor does a text body');
  });
});
