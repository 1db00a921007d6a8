import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { isPage, Browser, textOf } from '../helpers/browser.js';
import { postForm } from '../helpers/http.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** RFC 6749 §2.3.1 / Appendix B: id and password are application/x-www-form-urlencoded, then joined by ':' and base64-encoded. */
function basicHeader(id: string, password: string): Record<string, string> {
  const formEncode = (s: string) => new URLSearchParams({ v: s }).toString().slice('v='.length);
  return { authorization: `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(password)}`).toString('base64')}` };
}

/**
 * Public clients whose library sends `Authorization: Basic` with the client id and an empty password
 * (Go's x/oauth2 auto-detection, oidc-agent) are served as if they had sent `client_id` alone.
 */
describe('public clients: Basic with the client id and an empty password', () => {
  let server: TestServer;
  let user: { username: string; password: string };
  // An id with characters that must be form-encoded in the header (space, ':', '+', '/', '%').
  const tvId = 'tv app:1+/%';
  let confidential: { clientId: string; secret?: string };

  before(async () => {
    server = await startTestServer({ devicePollInterval: 1 });
    user = await server.addUser({ username: 'tina' });
    await server.addClient({ clientId: tvId, name: 'Living Room TV', type: 'public', grantTypes: [DEVICE_GRANT, 'refresh_token'], scopes: ['openid', 'offline_access'] });
    confidential = await server.addClient({ name: 'Svc', grantTypes: ['client_credentials', DEVICE_GRANT], scopes: ['read'] });
  });
  after(() => server.close());

  const url = (path: string) => `${server.issuer}${path}`;
  const asBasic = () => basicHeader(tvId, '');
  const asForm = { client_id: tvId };

  async function approve(uri: string, userCode: string): Promise<void> {
    const browser = new Browser(server.issuer);
    let page = isPage(await browser.visit(uri));
    page = isPage(await browser.submit(page, { username: user.username, password: user.password }));
    const confirm = isPage(await browser.submit(page, { user_code: userCode }));
    const done = isPage(await browser.submit(confirm, { decision: 'allow' }));
    assert.match(textOf(done.html), /Device connected/);
  }

  it('runs the device flow, a refresh and a revocation with Basic "id:" at every step', async () => {
    const start = await postForm(url('/device_authorization'), { scope: 'openid offline_access' }, asBasic());
    assert.equal(start.status, 200, JSON.stringify(start.body));
    const pending = await postForm(url('/token'), { grant_type: DEVICE_GRANT, device_code: String(start.body['device_code']) }, asBasic());
    assert.equal(pending.body['error'], 'authorization_pending', 'the client was authenticated; the user has not answered yet');

    await approve(String(start.body['verification_uri']), String(start.body['user_code']));
    server.advance(2);
    const tokens = await postForm(url('/token'), { grant_type: DEVICE_GRANT, device_code: String(start.body['device_code']) }, asBasic());
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const refreshToken = String(tokens.body['refresh_token']);

    const refreshed = await postForm(url('/token'), { grant_type: 'refresh_token', refresh_token: refreshToken }, asBasic());
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    const next = String(refreshed.body['refresh_token']);

    const revoked = await postForm(url('/revoke'), { token: next }, asBasic());
    assert.equal(revoked.status, 200);
    const after = await postForm(url('/token'), { grant_type: 'refresh_token', refresh_token: next, ...asForm });
    assert.equal(after.body['error'], 'invalid_grant', 'the revocation through Basic "id:" took effect');
  });

  it('answers Basic "id:" exactly as client_id in the body, at /token, /device_authorization and /revoke', async () => {
    for (const [name, form, headers] of [
      ['Basic "id:"', {}, asBasic()],
      ['form client_id', asForm, {}],
      ['Basic "id:" and the same client_id in the body', asForm, asBasic()],
    ] as const) {
      const device = await postForm(url('/device_authorization'), { scope: 'openid', ...form }, headers);
      assert.equal(device.status, 200, name);
      const token = await postForm(url('/token'), { grant_type: DEVICE_GRANT, device_code: String(device.body['device_code']), ...form }, headers);
      assert.equal(token.body['error'], 'authorization_pending', name);
      const revoke = await postForm(url('/revoke'), { token: 'unknown-token', ...form }, headers);
      assert.equal(revoke.status, 200, name);
    }
  });

  it('still refuses a public client that sends a password, and a confidential client with an empty one', async () => {
    for (const [path, form] of [
      ['/token', { grant_type: 'refresh_token', refresh_token: 'x' }],
      ['/device_authorization', { scope: 'openid' }],
      ['/revoke', { token: 'x' }],
    ] as const) {
      const withPassword = await postForm(url(path), form, basicHeader(tvId, 'anything'));
      assert.equal(withPassword.status, 401, `${path}: a public client with a password`);
      assert.equal(withPassword.body['error'], 'invalid_client');
      assert.match(withPassword.headers.get('www-authenticate') ?? '', /^Basic /);

      const emptySecret = await postForm(url(path), form, basicHeader(confidential.clientId, ''));
      assert.equal(emptySecret.status, 401, `${path}: a confidential client with an empty password`);
      assert.equal(emptySecret.body['error'], 'invalid_client');

      const unknown = await postForm(url(path), form, basicHeader('no-such-client', ''));
      assert.equal(unknown.status, 401, `${path}: an unknown client id`);
    }
  });
});
