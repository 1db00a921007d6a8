import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { isPage, Browser, formOf, textOf, type Page } from '../helpers/browser.js';
import { basic, postForm, userinfoStatus } from '../helpers/http.js';
import { rotateKeys } from '../../src/core/keys/rotation.js';

const CALLBACK = 'https://app.example.com/cb';
const BYE = 'https://app.example.com/signed-out';

function leftTo(step: Page | { leftTo: string }): URL {
  if (!('leftTo' in step)) throw new Error(`expected a redirect away, got page (${step.status}): ${textOf(step.html)}`);
  return new URL(step.leftTo);
}

describe('sign-out and the account page', () => {
  let server: TestServer;
  let alice: { sub: string; username: string; password: string };
  let bob: { sub: string; username: string; password: string };
  let app: { clientId: string; secret?: string };
  let config: client.Configuration;

  before(async () => {
    server = await startTestServer();
    alice = await server.addUser({ username: 'alice' });
    bob = await server.addUser({ username: 'bob' });
    app = await server.addClient({ name: 'Photo Album', redirectUris: [CALLBACK], postLogoutRedirectUris: [BYE], scopes: ['openid', 'profile', 'photos:read'] });
    config = await discover(server, app.clientId, app.secret);
  });
  after(() => server.close());

  const signIn = (browser: Browser, who = alice, scope = 'openid profile') =>
    codeFlow(server, config, CALLBACK, scope, { username: who.username, password: who.password }, browser);

  /** A prompt=none request: the answer says whether the browser still has an SSO session. */
  async function silent(browser: Browser): Promise<URL> {
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      prompt: 'none',
      state: 's',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    return leftTo(await browser.visit(url.href));
  }

  describe('RP-initiated logout', () => {
    it('ends the session and returns to the registered post_logout_redirect_uri with state', async () => {
      const browser = new Browser(server.issuer);
      const { tokens } = await signIn(browser);
      assert.ok((await silent(browser)).searchParams.get('code'), 'signed in');

      const url = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: BYE, state: 'bye-state' });
      assert.equal(url.origin + url.pathname, `${server.issuer}/logout`);
      const back = leftTo(await browser.visit(url.href));
      assert.equal(back.origin + back.pathname, BYE);
      assert.equal(back.searchParams.get('state'), 'bye-state');
      assert.equal((await silent(browser)).searchParams.get('error'), 'login_required');
    });

    it('does not redirect to a post_logout_redirect_uri that is not registered', async () => {
      const browser = new Browser(server.issuer);
      const { tokens } = await signIn(browser);
      for (const uri of ['https://evil.example.com/', `${BYE}/extra`, CALLBACK]) {
        const step = isPage(await browser.visit(client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: uri }).href));
        assert.equal(step.status, 200);
        assert.match(textOf(step.html), /signed out/i);
      }
      assert.equal((await silent(browser)).searchParams.get('error'), 'login_required');
    });

    it('asks the user to confirm when there is no id_token_hint, and signs out only on a genuine confirmation', async () => {
      const browser = new Browser(server.issuer);
      await signIn(browser);
      const confirm = isPage(await browser.visit(`${server.issuer}/logout?client_id=${app.clientId}&post_logout_redirect_uri=${encodeURIComponent(BYE)}&state=xyz`));
      assert.match(textOf(confirm.html), /Photo Album asks to sign you out/);
      assert.ok((await silent(browser)).searchParams.get('code'), 'still signed in until confirmed');

      // A cross-site form post without the page's CSRF token does nothing.
      const forged = await browser.request(`${server.issuer}/logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'csrf=forged&client_id=' + app.clientId,
      });
      assert.equal(forged.status, 403);
      assert.ok((await silent(browser)).searchParams.get('code'), 'still signed in after a forged post');

      const back = leftTo(await browser.submit(confirm, {}));
      assert.equal(back.origin + back.pathname, BYE);
      assert.equal(back.searchParams.get('state'), 'xyz');
      assert.equal((await silent(browser)).searchParams.get('error'), 'login_required');
    });

    it('asks for confirmation when the hint names another user than the one signed in', async () => {
      const bobsBrowser = new Browser(server.issuer);
      const bobsTokens = (await signIn(bobsBrowser, bob)).tokens;
      const browser = new Browser(server.issuer);
      await signIn(browser);
      const step = isPage(await browser.visit(client.buildEndSessionUrl(config, { id_token_hint: bobsTokens.id_token! }).href));
      assert.match(textOf(step.html), /sign you out/);
      assert.ok((await silent(browser)).searchParams.get('code'));
    });

    it('accepts an expired id_token_hint, and refuses one that is not our ID token', async () => {
      const browser = new Browser(server.issuer);
      const { tokens } = await signIn(browser);
      for (const bad of [tokens.access_token, tokens.id_token!.slice(0, -3) + 'abc', 'not-a-jwt']) {
        const step = isPage(await browser.visit(client.buildEndSessionUrl(config, { id_token_hint: bad }).href));
        assert.equal(step.status, 400);
        assert.match(textOf(step.html), /id_token_hint/);
      }
      const mismatch = isPage(await browser.visit(`${server.issuer}/logout?id_token_hint=${tokens.id_token!}&client_id=someone-else`));
      assert.equal(mismatch.status, 400);
      const dup = isPage(await browser.visit(`${server.issuer}/logout?state=a&state=b`));
      assert.equal(dup.status, 400);
      assert.ok((await silent(browser)).searchParams.get('code'), 'bad requests sign no one out');

      server.advance(2 * 3600);
      try {
        const back = leftTo(await browser.visit(client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: BYE }).href));
        assert.equal(back.origin + back.pathname, BYE);
      } finally {
        server.advance(-2 * 3600);
      }
    });

    it('ends the session when the app sends the logout as a form POST (continued as a GET that carries the cookie)', async () => {
      const browser = new Browser(server.issuer);
      const { tokens } = await signIn(browser);
      const posted = await browser.request(`${server.issuer}/logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: BYE, state: 'p' }).toString(),
      });
      assert.equal(posted.status, 303);
      const next = new URL(posted.headers.get('location')!);
      assert.equal(next.origin + next.pathname, `${server.issuer}/logout`);
      const back = leftTo(await browser.visit(next.href));
      assert.equal(back.href, `${BYE}?state=p`);
      assert.equal((await silent(browser)).searchParams.get('error'), 'login_required');
    });

    it('asks for confirmation instead of failing when the hint was signed by a key pruned since', async () => {
      const browser = new Browser(server.issuer);
      const { tokens } = await signIn(browser);
      const { ctx } = server.tessera;
      await rotateKeys(ctx.stores.keys, ctx.pepper, ctx.now());
      await ctx.keys.reload();
      server.advance(2 * 3600);
      try {
        assert.ok((await server.tessera.cleanUp()).keys >= 2, 'the old keys were pruned');
        const step = isPage(await browser.visit(client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: BYE }).href));
        assert.equal(step.status, 200);
        assert.match(textOf(step.html), /Photo Album asks to sign you out/, 'the user confirms, as without a hint');
        // openid-client sends client_id too, so the registered URI is still where the browser returns.
        const back = leftTo(await browser.submit(step, {}));
        assert.equal(back.origin + back.pathname, BYE);
        assert.equal((await silent(browser)).searchParams.get('error'), 'login_required');
      } finally {
        server.advance(-2 * 3600);
      }
    });

    it('without a session or a valid id_token_hint, does not send the browser on: it offers a link naming the app (RFC 9700 §4.11.2)', async () => {
      const stranger = new Browser(server.issuer);
      const crafted = `${server.issuer}/logout?client_id=${app.clientId}&post_logout_redirect_uri=${encodeURIComponent(BYE)}&state=xyz`;
      const step = isPage(await stranger.visit(crafted));
      assert.equal(step.status, 200);
      assert.match(textOf(step.html), /signed out/i);
      const link = /<a href="([^"]+)">([^<]+)<\/a>/.exec(step.html);
      assert.ok(link, 'a link the user may follow');
      assert.equal(link[1]!.replace(/&amp;/g, '&'), `${BYE}?state=xyz`);
      assert.equal(link[2], 'Return to Photo Album (app.example.com)');

      // A valid hint still sends the browser on at once, with no session left to end.
      const browser = new Browser(server.issuer);
      const { tokens } = await signIn(browser);
      isPage(await browser.submit(isPage(await browser.visit(`${server.issuer}/logout`)), {}));
      const back = leftTo(await browser.visit(client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: BYE, state: 'h' }).href));
      assert.equal(back.href, `${BYE}?state=h`);
    });

    it('shows a signed-out page to a browser with no session', async () => {
      const step = isPage(await new Browser(server.issuer).visit(`${server.issuer}/logout`));
      assert.equal(step.status, 200);
      assert.match(textOf(step.html), /signed out/i);
      assert.equal(step.headers.get('x-frame-options'), 'DENY');
    });

    it('is advertised in discovery', () => {
      assert.equal(config.serverMetadata().end_session_endpoint, `${server.issuer}/logout`);
    });
  });

  describe('account page', () => {
    async function openAccount(browser: Browser, who = alice): Promise<Page> {
      let page = isPage(await browser.visit(`${server.issuer}/account`));
      if (/name="password"/.test(page.html)) page = isPage(await browser.submit(page, { username: who.username, password: who.password }));
      assert.match(textOf(page.html), /Your account/);
      return page;
    }

    it('needs a sign-in, and refuses a wrong password', async () => {
      const browser = new Browser(server.issuer);
      const login = isPage(await browser.visit(`${server.issuer}/account`));
      assert.match(login.html, /name="password"/);
      const wrong = isPage(await browser.submit(login, { username: 'alice', password: 'wrong password!' }));
      assert.match(textOf(wrong.html), /Incorrect username or password/);
      const forged = await browser.request(`${server.issuer}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: 'x', username: 'alice', password: alice.password }).toString(),
      });
      assert.equal(forged.status, 403);
      await openAccount(browser);
    });

    it('lists the apps the user allowed; revoking one stops its tokens at once and forgets the consent', async () => {
      const browser = new Browser(server.issuer);
      const { tokens } = await signIn(browser, alice, 'openid profile photos:read');
      const page = await openAccount(browser);
      assert.match(textOf(page.html), /Photo Album/);
      assert.match(page.html, /photos:read/);

      const after = isPage(await browser.submit(page, {}));
      assert.doesNotMatch(textOf(after.html), /Photo Album/);
      assert.equal(await userinfoStatus(server.issuer, tokens.access_token), 401);
      await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token!), (e: client.ResponseBodyError) => e.error === 'invalid_grant');
      const introspected = await postForm(`${server.issuer}/introspect`, { token: tokens.access_token }, basic(app.clientId, app.secret!));
      assert.deepEqual(introspected.body, { active: false });

      // Still signed in, but the app must ask again.
      assert.equal((await silent(browser)).searchParams.get('error'), 'consent_required');
    });

    it('revokes a code that was issued but not yet redeemed', async () => {
      const browser = new Browser(server.issuer);
      await signIn(browser);
      const verifier = client.randomPKCECodeVerifier();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK, scope: 'openid', state: 'st', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      const callback = leftTo(await browser.visit(url.href));
      const page = await openAccount(browser);
      await browser.submit(page, {});
      await assert.rejects(client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'st' }), (e: client.ResponseBodyError) => e.error === 'invalid_grant');
    });

    it('refuses a revocation without the page\'s CSRF token, and ignores grants of other users', async () => {
      const bobsBrowser = new Browser(server.issuer);
      const bobsTokens = (await signIn(bobsBrowser, bob)).tokens;
      const bobsPage = await openAccount(bobsBrowser, bob);
      const bobsGrant = formOf(bobsPage.html).hidden['grant_id']!;

      const browser = new Browser(server.issuer);
      await signIn(browser);
      const page = await openAccount(browser);
      const forged = await browser.request(`${server.issuer}/account/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: 'forged', grant_id: formOf(page.html).hidden['grant_id']! }).toString(),
      });
      assert.equal(forged.status, 403);
      await browser.submit(page, { grant_id: bobsGrant });
      assert.equal(await userinfoStatus(server.issuer, bobsTokens.access_token), 200, "another user's grant is untouched");
    });

    it('has a Sign out button that ends the session', async () => {
      const browser = new Browser(server.issuer);
      await signIn(browser);
      const page = await openAccount(browser);
      const html = page.html;
      // The Sign out form (the page ends with the language switch's form, after it).
      const logoutForm = /<form method="post" action="[^"]*\/logout"[\s\S]*?<\/form>/.exec(html)![0];
      const signedOut = isPage(await browser.submit({ ...page, html: logoutForm }, {}));
      assert.match(textOf(signedOut.html), /signed out/i);
      assert.equal((await silent(browser)).searchParams.get('error'), 'login_required');
      assert.match(isPage(await browser.visit(`${server.issuer}/account`)).html, /name="password"/);
    });
  });
});
