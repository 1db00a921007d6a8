import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { Browser, textOf } from '../helpers/browser.js';

const CALLBACK = 'https://app.example.com/cb';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('authorization endpoint refuses what it must', () => {
  let server: TestServer;
  let web: string;
  let native: string;

  before(async () => {
    server = await startTestServer();
    web = (await server.addClient({ name: 'Web', redirectUris: [CALLBACK, 'https://app.example.com/cb?tenant=1'], scopes: ['openid', 'profile'] })).clientId;
    native = (await server.addClient({ name: 'Native', type: 'public', redirectUris: ['http://127.0.0.1:8080/cb', 'com.example.app:/oauth'], scopes: ['openid'] })).clientId;
  });
  after(() => server.close());

  const authorize = (params: Record<string, string> | string) => {
    const query = typeof params === 'string' ? params : new URLSearchParams(params).toString();
    return fetch(`${server.issuer}/authorize?${query}`, { redirect: 'manual' });
  };
  const valid = (extra: Record<string, string> = {}) => ({
    client_id: web, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid', state: 's1', code_challenge: CHALLENGE, code_challenge_method: 'S256', ...extra,
  });
  /** The error redirected to the client, or fails if the server did not redirect. */
  const redirectedError = async (params: Record<string, string> | string) => {
    const response = await authorize(params);
    assert.equal(response.status, 302, `expected a redirect, got ${response.status}: ${textOf(await response.text())}`);
    const location = new URL(response.headers.get('location')!);
    assert.equal(location.searchParams.get('iss'), server.issuer);
    return { error: location.searchParams.get('error'), state: location.searchParams.get('state'), location };
  };

  it('refuses a native app\'s loopback redirect on a port outside 1–65535 or written with leading zeros: an error page, no redirect', async () => {
    const nativeBase = { client_id: native, response_type: 'code', scope: 'openid', code_challenge: CHALLENGE, code_challenge_method: 'S256' };
    for (const port of ['0', '65536', '99999', '08080', '00001']) {
      for (const host of ['127.0.0.1', '[::1]']) {
        const uri = `http://${host}:${port}/cb`;
        const response = await authorize({ ...nativeBase, redirect_uri: uri });
        assert.equal(response.status, 400, uri);
        assert.equal(response.headers.get('location'), null, `no redirect for ${uri}`);
      }
    }
    assert.equal((await authorize({ ...nativeBase, redirect_uri: 'http://127.0.0.1:65535/cb' })).status, 302, 'the highest port is fine');
  });

  it('shows an error page, never a redirect, for redirect URI near-misses', async () => {
    const nearMisses = [
      'https://app.example.com/cb/',
      'https://app.example.com/CB',
      'https://APP.example.com/cb',
      'https://app.example.com/cb?x=1',
      'https://app.example.com/cb?tenant=2',
      'https://app.example.com/cb#frag',
      'http://app.example.com/cb',
      'https://app.example.com:443/cb',
      'https://app.example.com:8443/cb',
      'https://app.example.com.evil.com/cb',
      'https://evil.com/https://app.example.com/cb',
      'https://user@app.example.com/cb',
      'https://app.example.com/cb/../cb',
      'https://app.example.com/c%62',
      ' https://app.example.com/cb',
      'https://app.example.com/cb%00',
      'javascript:alert(1)',
    ];
    for (const uri of nearMisses) {
      const response = await authorize(valid({ redirect_uri: uri }));
      assert.equal(response.status, 400, uri);
      assert.equal(response.headers.get('location'), null, `no redirect for ${uri}`);
      assert.match(response.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await response.text(), /not registered/);
    }
  });

  it('accepts registered URIs exactly, including one with a query, and loopback on any port for native apps only', async () => {
    const withQuery = await authorize(valid({ redirect_uri: 'https://app.example.com/cb?tenant=1' }));
    assert.equal(withQuery.status, 302);
    assert.match(withQuery.headers.get('location')!, /\/interaction\//);

    const nativeBase = { client_id: native, response_type: 'code', scope: 'openid', code_challenge: CHALLENGE, code_challenge_method: 'S256' };
    assert.equal((await authorize({ ...nativeBase, redirect_uri: 'http://127.0.0.1:51234/cb' })).status, 302);
    assert.equal((await authorize({ ...nativeBase, redirect_uri: 'http://127.0.0.1/cb' })).status, 302);
    assert.equal((await authorize({ ...nativeBase, redirect_uri: 'com.example.app:/oauth' })).status, 302);
    for (const miss of ['http://127.0.0.1:51234/cb2', 'http://localhost:8080/cb', 'http://[::1]:8080/cb', 'http://127.0.0.2:8080/cb', 'com.example.app:/oauth2']) {
      assert.equal((await authorize({ ...nativeBase, redirect_uri: miss })).status, 400, miss);
    }
    // A web client gets no port leeway even on loopback.
    const loopWeb = (await server.addClient({ name: 'Dev', redirectUris: ['http://127.0.0.1:3000/cb'], scopes: ['openid'] })).clientId;
    assert.equal((await authorize({ ...nativeBase, client_id: loopWeb, redirect_uri: 'http://127.0.0.1:3001/cb' })).status, 400);
  });

  it('shows an error page for an unknown or disabled client and a missing client_id', async () => {
    for (const params of [valid({ client_id: 'nope' }), { redirect_uri: CALLBACK, response_type: 'code' }]) {
      const response = await authorize(params);
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('location'), null);
    }
    const off = await server.addClient({ name: 'Off', redirectUris: [CALLBACK], scopes: ['openid'] });
    const stored = (await server.tessera.ctx.stores.clients.find(off.clientId))!;
    await server.tessera.ctx.stores.clients.setState(stored.clientId, { disabled: true }, server.tessera.ctx.now());
    assert.equal((await authorize(valid({ client_id: off.clientId }))).status, 400);
  });

  it('requires PKCE with S256 for every client and refuses plain', async () => {
    const noChallenge = valid();
    delete (noChallenge as Record<string, string>)['code_challenge'];
    assert.equal((await redirectedError(noChallenge)).error, 'invalid_request');
    assert.equal((await redirectedError(valid({ code_challenge_method: 'plain' }))).error, 'invalid_request');
    const noMethod = valid();
    delete (noMethod as Record<string, string>)['code_challenge_method'];
    assert.equal((await redirectedError(noMethod)).error, 'invalid_request', 'a missing method means plain (RFC 7636 §4.3)');
    assert.equal((await redirectedError(valid({ code_challenge: 'too-short' }))).error, 'invalid_request');
  });

  it('supports only response_type=code and query responses', async () => {
    for (const rt of ['token', 'id_token', 'code id_token', 'code token', 'none']) {
      assert.equal((await redirectedError(valid({ response_type: rt }))).error, 'unsupported_response_type', rt);
    }
    const missing = valid();
    delete (missing as Record<string, string>)['response_type'];
    assert.equal((await redirectedError(missing)).error, 'invalid_request');
    assert.equal((await redirectedError(valid({ response_mode: 'fragment' }))).error, 'invalid_request');
    assert.equal((await redirectedError(valid({ request: 'eyJ.x.y' }))).error, 'request_not_supported');
    assert.equal((await redirectedError(valid({ request_uri: 'urn:x' }))).error, 'request_uri_not_supported');
  });

  it('refuses scopes the client may not ask for, and malformed ones', async () => {
    const r = await redirectedError(valid({ scope: 'openid admin' }));
    assert.equal(r.error, 'invalid_scope');
    assert.equal(r.state, 's1');
    assert.equal((await redirectedError(valid({ scope: 'openid "quoted"' }))).error, 'invalid_scope');
  });

  it('refuses duplicated parameters: by page when client_id or redirect_uri repeat, by redirect otherwise', async () => {
    const base = new URLSearchParams(valid()).toString();
    for (const dup of [`&client_id=${web}`, `&redirect_uri=${encodeURIComponent(CALLBACK)}`]) {
      const response = await authorize(base + dup);
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('location'), null);
    }
    for (const dup of ['&scope=openid', '&code_challenge=' + CHALLENGE, '&response_type=code', '&nonce=a&nonce=b']) {
      assert.equal((await redirectedError(base + dup)).error, 'invalid_request', dup);
    }
    const twoStates = await redirectedError(base + '&state=s2');
    assert.equal(twoStates.error, 'invalid_request');
    assert.equal(twoStates.state, null, 'an ambiguous state is not echoed');
  });

  it('validates prompt and max_age', async () => {
    assert.equal((await redirectedError(valid({ prompt: 'none login' }))).error, 'invalid_request');
    assert.equal((await redirectedError(valid({ prompt: 'bogus' }))).error, 'invalid_request');
    assert.equal((await redirectedError(valid({ max_age: '-1' }))).error, 'invalid_request');
    assert.equal((await redirectedError(valid({ max_age: 'soon' }))).error, 'invalid_request');
  });

  it('refuses a client that may not use the code flow', async () => {
    const service = (await server.addClient({ name: 'Svc', grantTypes: ['client_credentials'], scopes: ['x'], redirectUris: [CALLBACK] })).clientId;
    assert.equal((await redirectedError(valid({ client_id: service, scope: 'x' }))).error, 'unauthorized_client');
  });

  it('appends to a redirect URI that has a query, keeping it', async () => {
    const r = await redirectedError(valid({ redirect_uri: 'https://app.example.com/cb?tenant=1', response_type: 'token' }));
    assert.equal(r.location.searchParams.get('tenant'), '1');
    assert.equal(r.error, 'unsupported_response_type');
  });

  it('accepts the authorization request as a POSTed form', async () => {
    const response = await fetch(`${server.issuer}/authorize`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(valid()).toString(),
    });
    assert.equal(response.status, 303, 'RFC 9700 §4.12: 303 after a POST');
    assert.match(response.headers.get('location')!, /\/interaction\//);
  });

  it('keeps a login in the browser that started it, and checks the CSRF token', async () => {
    const browser = new Browser(server.issuer);
    const page = await browser.visit(`${server.issuer}/authorize?${new URLSearchParams(valid())}`);
    assert.ok(!('leftTo' in page));
    const user = await server.addUser({ username: 'carol' });

    const wrongCsrf = await browser.submit(page, { csrf: 'x'.repeat(43), username: 'carol', password: user.password });
    assert.ok(!('leftTo' in wrongCsrf) && wrongCsrf.status === 403);

    const stranger = new Browser(server.issuer);
    const elsewhere = await stranger.visit(page.url);
    assert.ok(!('leftTo' in elsewhere) && elsewhere.status === 400, 'another browser cannot open the interaction');

    const wrong = await browser.submit(page, { username: 'carol', password: 'not the password' });
    const unknown = await browser.submit(page, { username: 'nobody-here', password: 'not the password' });
    assert.ok(!('leftTo' in wrong) && !('leftTo' in unknown));
    assert.match(wrong.html, /Incorrect username or password/);
    assert.equal(textOf(wrong.html).replace('carol', ''), textOf(unknown.html).replace('nobody-here', ''), 'same answer for unknown user and wrong password');

    const ok = await browser.submit(page, { username: 'CAROL', password: user.password });
    assert.ok(!('leftTo' in ok) && /name="decision"/.test(ok.html), 'usernames match case-insensitively');
    const session = browser.cookies.get('tessera_session');
    assert.ok(session);
  });
});
