import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { discover } from '../helpers/oidc.js';
import { isPage, Browser, formOf, textOf, type Page } from '../helpers/browser.js';
import { totp } from '../helpers/totp.js';

/**
 * Attack (review of issues 15/16): POST /login/second-factor takes `next` from the form, and its
 * CSRF token is bound to the session id, which does not change when the sign-in completes. For a
 * signed-in session the endpoint is a "step-up": it checks a code, then puts the *old* sign-in
 * (its auth_time) on whatever interaction `next` names and continues it. Pointed at an
 * authorization request with prompt=login (or an expired max_age), whose page asks for the
 * password, it issues a code with no password typed at all: one factor stands in for the
 * re-authentication the app asked for (OpenID Connect Core §3.1.2.1).
 */

const CALLBACK = 'https://app.example.com/cb';

describe('prompt=login always asks for the password', () => {
  let server: TestServer;
  let app: { clientId: string; secret?: string };

  before(async () => {
    server = await startTestServer({ signInLimits: { delayMs: 1 } });
    app = await server.addClient({ name: 'Bank', redirectUris: [CALLBACK], scopes: ['openid'] });
  });
  after(() => server.close());

  it('does not answer prompt=login with a code when only a second-factor form (with next=that interaction) was posted', async () => {
    const yuri = await server.addUser({ username: 'yuri' });
    const config = await discover(server, app.clientId, app.secret);
    const authorizeUrl = async (extra: Record<string, string> = {}) => {
      const verifier = client.randomPKCECodeVerifier();
      return client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra }).href;
    };
    // Yuri sets up two-step verification and signs in to the bank with both factors (consent given).
    const setupBrowser = new Browser(server.issuer);
    const account = isPage(await setupBrowser.submit(isPage(await setupBrowser.visit(`${server.issuer}/account`)), { username: 'yuri', password: yuri.password }));
    const setup = isPage(await setupBrowser.submit(account, {}, '/account/second-factor'));
    const key = /<code id="totp_secret">([A-Z2-7]+)<\/code>/.exec(setup.html)![1]!;
    isPage(await setupBrowser.submit(setup, { code: totp(key, server.tessera.ctx.now()) }, '/confirm'));
    server.advance(30);

    const browser = new Browser(server.issuer);
    const login = isPage(await browser.visit(await authorizeUrl()));
    const factor = isPage(await browser.submit(login, { username: 'yuri', password: yuri.password }));
    const factorForm = formOf(factor.html);
    const back = await browser.submit(factor, { code: totp(key, server.tessera.ctx.now()) });
    const consent = isPage(back);
    assert.ok('leftTo' in (await browser.submit(consent, { decision: 'allow' })));
    const signedInAt = server.tessera.ctx.now();

    // An hour later the bank asks for a fresh sign-in before a transfer: the page asks for the password.
    server.advance(3600);
    const fresh = isPage(await browser.visit(await authorizeUrl({ prompt: 'login' })));
    assert.match(fresh.html, /name="password"/);
    const interaction = /\/interaction\/([0-9a-f-]{36})\/login/.exec(fresh.html)![1]!;

    // Whoever sits at the browser skips it: the old second-factor form, a current code, next = this interaction.
    const skipped = await browser.visit(`${server.issuer}/login/second-factor`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...factorForm.hidden, next: `interaction:${interaction}`, code: totp(key, server.tessera.ctx.now()) }).toString(),
    });
    const code = 'leftTo' in skipped ? new URL(skipped.leftTo).searchParams.get('code') : null;
    assert.equal(code, null, `prompt=login got a code without a password (the sign-in's auth_time is ${signedInAt}, an hour old): ${'leftTo' in skipped ? skipped.leftTo.slice(0, 60) : textOf(skipped.html).slice(0, 100)}`);
  });
});
