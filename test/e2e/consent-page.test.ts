import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { discover } from '../helpers/oidc.js';
import { Browser, isPage, textOf, type Page } from '../helpers/browser.js';
import { buildClient, type ClientInput } from '../../src/core/clients/registration.js';

const DEFAULT_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

describe('the consent page shows who the app is and where it sends you back', () => {
  let server: TestServer;
  let user: { username: string; password: string };

  before(async () => {
    server = await startTestServer();
    user = await server.addUser({ username: 'fay' });
  });
  after(() => server.close());

  /** Signs in for an authorization request of this client; the login page and the page after it. */
  async function consentFor(clientId: string, secret: string | undefined, redirectUri: string): Promise<{ login: Page; consent: Page }> {
    const config = await discover(server, clientId, secret);
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    });
    const browser = new Browser(server.issuer);
    const login = isPage(await browser.visit(url.href));
    const consent = isPage(await browser.submit(login, { username: user.username, password: user.password }));
    assert.match(consent.html, /name="decision"/);
    return { login, consent };
  }

  /** A client as an earlier release may have stored it, before logo URLs were checked at registration. */
  async function storedWithLogo(input: ClientInput, logoUri: string) {
    const { client: made, secret } = buildClient(input, server.tessera.ctx.pepper, server.tessera.ctx.now());
    await server.tessera.ctx.stores.clients.create({ ...made, extras: { logo_uri: logoUri } });
    return { clientId: made.clientId, secret };
  }

  it('shows an https logo (no referrer), the escaped description and the redirect host; the CSP allows exactly that image origin', async () => {
    const callback = 'https://notes.example.com:8443/callback';
    const app = await server.addClient({
      name: 'Notes', redirectUris: [callback], scopes: ['openid'],
      extras: { logo_uri: 'https://cdn.example.net/apps/notes.png?v=2&size=64', description: 'Keeps <your> notes & "lists"' },
    });
    const { login, consent } = await consentFor(app.clientId, app.secret, callback);

    assert.match(consent.html, /<img class="logo" src="https:\/\/cdn\.example\.net\/apps\/notes\.png\?v=2&amp;size=64" alt="" width="64" height="64" referrerpolicy="no-referrer">/);
    assert.match(consent.html, /<p class="description">Keeps &lt;your&gt; notes &amp; &quot;lists&quot;<\/p>/);
    assert.doesNotMatch(consent.html, /<your>/);
    assert.match(textOf(consent.html), /You will be sent back to notes\.example\.com:8443/);
    assert.equal(consent.headers.get('content-security-policy'), "default-src 'none'; style-src 'self'; img-src 'self' data: https://cdn.example.net; frame-ancestors 'none'; base-uri 'none'");
    // Only that response: the login page of the same request allows no image origin (it allows its own passkey script only).
    assert.equal(login.headers.get('content-security-policy'), DEFAULT_CSP.replace("default-src 'none'; ", "default-src 'none'; script-src 'self'; "));
  });

  it('shows no logo, and keeps the default CSP, for an app without one', async () => {
    const callback = 'https://plain.example.com/cb';
    const app = await server.addClient({ name: 'Plain', redirectUris: [callback], scopes: ['openid'] });
    const { consent } = await consentFor(app.clientId, app.secret, callback);
    assert.doesNotMatch(consent.html, /<img/);
    assert.doesNotMatch(consent.html, /class="description"/);
    assert.match(textOf(consent.html), /You will be sent back to plain\.example\.com/);
    assert.equal(consent.headers.get('content-security-policy'), DEFAULT_CSP);
  });

  it('never shows a plain-http logo from another host, but does from localhost while the issuer is a local http one', async () => {
    const callback = 'https://legacy.example.com/cb';
    const legacy = await storedWithLogo({ name: 'Legacy', redirectUris: [callback], scopes: ['openid'] }, 'http://cdn.example.net/logo.png');
    const shown = await consentFor(legacy.clientId, legacy.secret, callback);
    assert.doesNotMatch(shown.consent.html, /<img/);
    assert.equal(shown.consent.headers.get('content-security-policy'), DEFAULT_CSP);

    // The test server's issuer is http://127.0.0.1:PORT: a development setup.
    const dev = await storedWithLogo({ name: 'Dev app', redirectUris: [callback], scopes: ['openid'] }, 'http://localhost:5173/logo.svg');
    const local = await consentFor(dev.clientId, dev.secret, callback);
    assert.match(local.consent.html, /<img class="logo" src="http:\/\/localhost:5173\/logo\.svg"[^>]* referrerpolicy="no-referrer">/);
    assert.match(local.consent.headers.get('content-security-policy') ?? '', /img-src 'self' data: http:\/\/localhost:5173;/);
  });

  it('names the scheme for a native app that comes back on a private-use URI, and the loopback host with its port', async () => {
    const app = await server.addClient({ name: 'Desktop Notes', type: 'public', redirectUris: ['com.example.notes:/oauth', 'http://127.0.0.1/cb'], scopes: ['openid'] });
    const custom = await consentFor(app.clientId, undefined, 'com.example.notes:/oauth');
    assert.match(textOf(custom.consent.html), /You will be sent back to com\.example\.notes/);
    const loopback = await consentFor(app.clientId, undefined, 'http://127.0.0.1:49152/cb');
    assert.match(textOf(loopback.consent.html), /You will be sent back to 127\.0\.0\.1:49152/);
  });
});
