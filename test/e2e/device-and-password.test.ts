import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { discover } from '../helpers/oidc.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';
import { basic, postForm, userinfoStatus } from '../helpers/http.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

describe('device authorization grant (RFC 8628)', () => {
  let server: TestServer;
  let user: { username: string; password: string; sub: string };
  let tv: { clientId: string; secret?: string };
  let config: client.Configuration;

  before(async () => {
    // Poll every second instead of 5 so the test runs quickly.
    server = await startTestServer({ devicePollInterval: 1 });
    user = await server.addUser({ username: 'tina' });
    tv = await server.addClient({ name: 'Living Room TV', type: 'public', grantTypes: [DEVICE_GRANT, 'refresh_token'], scopes: ['openid', 'profile', 'videos:watch'] });
    config = await discover(server, tv.clientId);
  });
  after(() => server.close());

  /** The person's side: opens the verification page, signs in, types the code, and answers. */
  async function approveOnPhone(uri: string, typedCode: string | undefined, decision: 'allow' | 'deny', browser = new Browser(server.issuer)): Promise<Page> {
    let page = isPage(await browser.visit(uri));
    if (/name="password"/.test(page.html)) page = isPage(await browser.submit(page, { username: user.username, password: user.password }));
    assert.match(page.html, /name="user_code"/);
    const confirm = isPage(await browser.submit(page, typedCode === undefined ? {} : { user_code: typedCode }));
    assert.match(textOf(confirm.html), /Living Room TV wants to access your account/);
    return isPage(await browser.submit(confirm, { decision }));
  }

  const poll = (deviceCode: string, clientId = tv.clientId) => postForm(`${server.issuer}/token`, { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: clientId });

  it('runs the whole flow with openid-client: the device polls while the user approves on another device', async () => {
    const start = await client.initiateDeviceAuthorization(config, { scope: 'openid profile videos:watch' });
    assert.match(start.user_code, USER_CODE);
    assert.equal(start.verification_uri, `${server.issuer}/device`);
    assert.equal(start.verification_uri_complete, `${server.issuer}/device?user_code=${start.user_code}`);
    assert.equal(start.expires_in, 600);
    assert.equal(start.interval, 1);

    const tokens = client.pollDeviceAuthorizationGrant(config, start);
    // The user types the code in lower case with spaces: it is still the code.
    const typed = start.user_code.toLowerCase().replace('-', ' ');
    const done = await approveOnPhone(start.verification_uri, typed, 'allow');
    assert.match(textOf(done.html), /Device connected/);
    const result = await tokens;
    assert.equal(result.claims()?.sub, user.sub, 'the ID token was validated by openid-client');
    assert.equal(result.scope, 'openid profile videos:watch');
    assert.equal(await userinfoStatus(server.issuer, result.access_token), 200);
    const refreshed = await client.refreshTokenGrant(config, result.refresh_token!);
    assert.ok(refreshed.access_token);

    // The device code works once.
    const again = await poll(start.device_code);
    assert.equal(again.body['error'], 'invalid_grant');
  });

  it('answers authorization_pending, then slow_down when polled too fast, then access_denied', async () => {
    const start = await client.initiateDeviceAuthorization(config, { scope: 'openid' });
    const first = await poll(start.device_code);
    assert.equal(first.status, 400);
    assert.equal(first.body['error'], 'authorization_pending');
    assert.equal(first.headers.get('cache-control'), 'no-store');
    const second = await poll(start.device_code);
    assert.equal(second.body['error'], 'slow_down');
    server.advance(10);
    await approveOnPhone(start.verification_uri_complete!, start.user_code, 'deny');
    const denied = await poll(start.device_code);
    assert.equal(denied.body['error'], 'access_denied');
  });

  it('answers expired_token once the code has expired, and binds the device code to its client', async () => {
    const start = await client.initiateDeviceAuthorization(config, { scope: 'openid' });
    const other = await server.addClient({ name: 'Other', type: 'public', grantTypes: [DEVICE_GRANT], scopes: ['openid'] });
    assert.equal((await poll(start.device_code, other.clientId)).body['error'], 'invalid_grant');
    assert.equal((await poll('not-a-device-code')).body['error'], 'invalid_grant');
    server.advance(601);
    assert.equal((await poll(start.device_code)).body['error'], 'expired_token');
    const browser = new Browser(server.issuer);
    let page = isPage(await browser.visit(start.verification_uri));
    page = isPage(await browser.submit(page, { username: user.username, password: user.password }));
    const refused = isPage(await browser.submit(page, { user_code: start.user_code }));
    assert.match(textOf(refused.html), /not valid or has expired/);
  });

  it('refuses clients without the grant, unknown scopes, and bad requests', async () => {
    const web = await server.addClient({ name: 'Web', redirectUris: ['https://web.example.com/cb'], scopes: ['openid'] });
    const notAllowed = await postForm(`${server.issuer}/device_authorization`, { scope: 'openid' }, basic(web.clientId, web.secret!));
    assert.equal(notAllowed.body['error'], 'unauthorized_client');
    const badScope = await postForm(`${server.issuer}/device_authorization`, { client_id: tv.clientId, scope: 'admin' });
    assert.equal(badScope.body['error'], 'invalid_scope');
    const noClient = await postForm(`${server.issuer}/device_authorization`, { scope: 'openid' });
    assert.equal(noClient.status, 401);
    const dup = await postForm(`${server.issuer}/device_authorization`, `client_id=${tv.clientId}&scope=openid&scope=openid`);
    assert.equal(dup.body['error'], 'invalid_request');
    assert.equal((await fetch(`${server.issuer}/device_authorization`)).status, 405);
  });

  it('limits wrong user codes per session and IP, protects the form from CSRF and framing', async () => {
    const browser = new Browser(server.issuer);
    let page = isPage(await browser.visit(`${server.issuer}/device`));
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    page = isPage(await browser.submit(page, { username: user.username, password: user.password }));

    const forged = await browser.request(`${server.issuer}/device`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrf=forged&user_code=BCDF-GHJK',
    });
    assert.equal(forged.status, 403);

    for (let i = 0; i < 5; i++) {
      const wrong = isPage(await browser.submit(page, { user_code: 'BCDF-GHJK' }));
      assert.equal(wrong.status, 200);
      assert.match(textOf(wrong.html), /not valid/);
    }
    const blocked = isPage(await browser.submit(page, { user_code: 'BCDF-GHJK' }));
    assert.equal(blocked.status, 429);
    assert.match(textOf(blocked.html), /Too many wrong codes/);
    // Even the right code is refused while blocked: guessing gets no answer.
    const start = await client.initiateDeviceAuthorization(config, { scope: 'openid' });
    const stillBlocked = isPage(await browser.submit(page, { user_code: start.user_code }));
    assert.equal(stillBlocked.status, 429);
  });
});

describe('password grant (legacy first-party apps only)', () => {
  let server: TestServer;
  let user: { username: string; password: string; sub: string };

  before(async () => {
    server = await startTestServer();
    user = await server.addUser({ username: 'paula' });
  });
  after(() => server.close());

  const grants = async () => ((await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as { grant_types_supported: string[] }).grant_types_supported;

  it('is off: not advertised and refused until an operator allows it for a client', async () => {
    assert.equal((await grants()).includes('password'), false);
    const app = await server.addClient({ name: 'Web', redirectUris: ['https://w.example.com/cb'], scopes: ['openid'] });
    const refused = await postForm(`${server.issuer}/token`, { grant_type: 'password', username: user.username, password: user.password }, basic(app.clientId, app.secret!));
    assert.equal(refused.body['error'], 'unauthorized_client');
  });

  it('works for an allowed confidential client, then is advertised; wrong credentials are invalid_grant', async () => {
    const legacy = await server.addClient({ name: 'Legacy App', grantTypes: ['password', 'refresh_token'], scopes: ['openid', 'profile'] });
    assert.ok((await grants()).includes('password'));
    const config = await discover(server, legacy.clientId, legacy.secret);
    const ok = await client.genericGrantRequest(config, 'password', { username: user.username, password: user.password, scope: 'openid profile' });
    assert.equal(ok.claims()?.sub, user.sub);
    assert.ok(ok.refresh_token);
    assert.equal(await userinfoStatus(server.issuer, ok.access_token), 200);

    for (const [username, password] of [[user.username, 'wrong password'], ['nobody', 'whatever password']]) {
      const res = await postForm(`${server.issuer}/token`, { grant_type: 'password', username: username!, password: password! }, basic(legacy.clientId, legacy.secret!));
      assert.equal(res.status, 400);
      assert.equal(res.body['error'], 'invalid_grant');
    }
    const badScope = await postForm(`${server.issuer}/token`, { grant_type: 'password', username: user.username, password: user.password, scope: 'admin' }, basic(legacy.clientId, legacy.secret!));
    assert.equal(badScope.body['error'], 'invalid_scope');
    const missing = await postForm(`${server.issuer}/token`, { grant_type: 'password', username: user.username }, basic(legacy.clientId, legacy.secret!));
    assert.equal(missing.body['error'], 'invalid_request');
  });

  it('refuses a disabled user like a wrong password', async () => {
    const legacy = await server.addClient({ name: 'Legacy 2', grantTypes: ['password'], scopes: ['openid'] });
    const other = await server.addUser({ username: 'quentin' });
    const stored = (await server.tessera.ctx.stores.users.findById(other.sub))!;
    await server.tessera.ctx.stores.users.update(stored.id, { disabled: true }, server.tessera.ctx.now());
    const res = await postForm(`${server.issuer}/token`, { grant_type: 'password', username: other.username, password: other.password }, basic(legacy.clientId, legacy.secret!));
    assert.equal(res.body['error'], 'invalid_grant');
  });
});
