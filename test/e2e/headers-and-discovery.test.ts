import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { Browser } from '../helpers/browser.js';

describe('security headers, cookies and metadata', () => {
  let server: TestServer;
  let clientId: string;
  before(async () => {
    server = await startTestServer();
    clientId = (await server.addClient({ name: 'App <script>alert(1)</script>', redirectUris: ['https://app.example.com/cb'], scopes: ['openid'] })).clientId;
  });
  after(() => server.close());

  const authorizeUrl = () =>
    `${server.issuer}/authorize?client_id=${clientId}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=code&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256`;

  it('sends the security headers on pages and APIs, and no CORS on the authorization endpoint or pages', async () => {
    const browser = new Browser(server.issuer);
    const page = await browser.visit(authorizeUrl(), { headers: { origin: 'https://evil.example' } });
    assert.ok(!('leftTo' in page));
    for (const headers of [page.headers, (await fetch(`${server.issuer}/jwks`)).headers, (await fetch(`${server.issuer}/nope`)).headers]) {
      assert.match(headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.equal(headers.get('x-frame-options'), 'DENY');
      assert.equal(headers.get('x-content-type-options'), 'nosniff');
      assert.equal(headers.get('referrer-policy'), 'no-referrer');
    }
    assert.equal(page.headers.get('access-control-allow-origin'), null);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    const preflight = await fetch(`${server.issuer}/authorize`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  });

  it('escapes what it shows: a client name with markup appears as text', async () => {
    const page = await new Browser(server.issuer).visit(authorizeUrl());
    assert.ok(!('leftTo' in page));
    assert.doesNotMatch(page.html, /<script>/);
    assert.match(page.html, /App &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(page.html, /<input type="text" id="username" name="username" autocomplete="username webauthn"/);
    assert.match(page.html, /<input type="password" id="password" name="password" autocomplete="current-password"/);
  });

  it('sets HttpOnly SameSite=Lax cookies, without Secure on a plain-http loopback issuer', async () => {
    const response = await fetch(authorizeUrl(), { redirect: 'manual' });
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('tessera_browser='));
    assert.ok(cookie);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.doesNotMatch(cookie, /Secure/);
  });

  it('publishes the same metadata at both well-known URLs, describing exactly what is supported', async () => {
    const oidc = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    const oauth = (await (await fetch(`${server.issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    assert.deepEqual(oidc, oauth);
    assert.equal(oidc['issuer'], server.issuer);
    assert.deepEqual(oidc['response_types_supported'], ['code']);
    assert.deepEqual(oidc['code_challenge_methods_supported'], ['S256']);
    assert.equal(oidc['authorization_response_iss_parameter_supported'], true);
    // The password grant is off until an operator allows it for a client (then see device-and-password tests).
    assert.deepEqual(oidc['grant_types_supported'], ['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code']);
    assert.equal(oidc['device_authorization_endpoint'], `${server.issuer}/device_authorization`);
    assert.deepEqual(oidc['token_endpoint_auth_methods_supported'], ['client_secret_basic', 'client_secret_post', 'none']);
    assert.equal(oidc['request_uri_parameter_supported'], false);
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri']) {
      assert.ok(String(oidc[endpoint]).startsWith(server.issuer), endpoint);
    }
  });

  it('sets Secure cookies and HSTS when the issuer is https', async () => {
    const tls = await startTestServer({ issuer: 'https://login.example.com' });
    try {
      const response = await tls.tessera.app.inject({
        method: 'GET',
        url: `/authorize?client_id=${(await tls.addClient({ name: 'A', redirectUris: ['https://a.example.com/cb'], scopes: ['openid'] })).clientId}&redirect_uri=https%3A%2F%2Fa.example.com%2Fcb&response_type=code&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256`,
      });
      assert.equal(response.statusCode, 302);
      assert.match(String(response.headers['set-cookie']), /; Secure/);
      assert.match(String(response.headers['strict-transport-security']), /max-age=/);
    } finally {
      await tls.close();
    }
  });

  it('names every cookie __Host- when the issuer is https, signs in with them, and ignores cookies without the prefix', async () => {
    const publicIssuer = 'https://login.example.com';
    const tls = await startTestServer({ issuer: publicIssuer });
    try {
      const user = await tls.addUser({ username: 'hosted' });
      const app = await tls.addClient({ name: 'A', redirectUris: ['https://a.example.com/cb'], scopes: ['openid'] });
      const authorize = (prompt?: string) =>
        `${tls.issuer}/authorize?client_id=${app.clientId}&redirect_uri=https%3A%2F%2Fa.example.com%2Fcb&response_type=code&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256${prompt ? `&prompt=${prompt}` : ''}`;
      const browser = new Browser(tls.issuer, {}, publicIssuer);
      const first = await browser.request(authorize());
      const lines = first.headers.getSetCookie();
      assert.ok(lines.length > 0);
      for (const line of lines) {
        assert.match(line, /^__Host-tessera_\w+=/, line);
        assert.match(line, /; Secure/, line);
        assert.match(line, /; Path=\/(;|$)/, line);
        assert.doesNotMatch(line, /domain=/i, line);
      }
      const back = await browser.authorize(authorize(), { username: 'hosted', password: user.password });
      assert.ok(back.searchParams.get('code'), 'the sign-in works with __Host- cookies');
      assert.ok([...browser.cookies.keys()].every((name) => name.startsWith('__Host-')));
      const silent = await browser.authorize(authorize('none'));
      assert.ok(silent.searchParams.get('code'), 'the session cookie is read back');

      // The same cookies without the prefix, as a sibling subdomain or an http page could plant them, sign no one in.
      const planted = new Browser(tls.issuer, {}, publicIssuer);
      for (const [name, value] of browser.cookies) planted.cookies.set(name.slice('__Host-'.length), value);
      assert.equal((await planted.authorize(authorize('none'))).searchParams.get('error'), 'login_required');
    } finally {
      await tls.close();
    }
  });
});
