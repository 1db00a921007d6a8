import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { discover } from '../helpers/oidc.js';
import { launchChromium } from '../helpers/chromium.js';
import { assertAccessible } from '../helpers/axe.js';

/** The app's own site; chromium never reaches it: the test answers for it. */
const APP = 'https://notes.example.com';
const CALLBACK = `${APP}/callback`;

describe('in a real browser', () => {
  let server: TestServer;
  let chromium: Browser;
  let developer: { sub: string; username: string; password: string };
  let user: { sub: string; username: string; password: string };

  before(async () => {
    server = await startTestServer({ consoleUsers: ['dev'] });
    developer = await server.addUser({ username: 'dev', name: 'Dana Developer' });
    user = await server.addUser({ username: 'alice', name: 'Alice Liddell' });
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await server.close();
  });

  it('a developer registers an app in the console, and a user signs in to it', async () => {
    // The developer signs in to the console and registers a web app.
    const devContext = await chromium.newContext();
    const consolePage = await devContext.newPage();
    await consolePage.goto(`${server.issuer}/console`);
    await assertAccessible(consolePage, 'sign-in to the console');
    await consolePage.fill('input[name=username]', developer.username);
    await consolePage.fill('input[name=password]', developer.password);
    await consolePage.click('button[type=submit]');
    await consolePage.waitForURL(`${server.issuer}/console`);
    await assertAccessible(consolePage, 'developer console');
    await consolePage.fill('#name', 'Notes');
    await consolePage.selectOption('#type', 'web');
    await consolePage.fill('#redirect_uris', CALLBACK);
    await consolePage.check('input[name="scope:profile"]');
    await consolePage.click('button:has-text("Register app")');
    const clientId = (await consolePage.textContent('#client_id'))?.trim();
    const secret = (await consolePage.textContent('#client_secret'))?.trim();
    assert.ok(clientId, 'the console shows the client id');
    assert.ok(secret, 'the console shows the secret once');
    await assertAccessible(consolePage, 'developer console: the new app');
    await consolePage.goto(`${server.issuer}/console`);
    assert.match((await consolePage.textContent('ul.apps')) ?? '', /Notes/);
    await devContext.close();

    // The app sends a user to Tessera with what the console gave it; chromium renders the real pages.
    const config = await discover(server, clientId, secret);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const userContext = await chromium.newContext();
    await userContext.route(`${APP}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Notes</title><p>Signing you in…</p>' }));
    const page = await userContext.newPage();
    await page.goto(url.href);
    await page.fill('input[name=username]', user.username);
    await page.fill('input[name=password]', user.password);
    await page.click('button[type=submit]');
    assert.match((await page.textContent('main')) ?? '', /Notes wants to access your account[\s\S]*Unverified app/);
    await assertAccessible(page, 'consent of an unverified app');
    await page.click('button[name=decision][value=allow]');
    await page.waitForURL(`${CALLBACK}?**`);

    // The app redeems the code with its console-issued secret.
    const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    assert.equal(tokens.claims()?.sub, user.sub);
    assert.equal(tokens.claims()?.aud, clientId);
    const info = await client.fetchUserInfo(config, tokens.access_token, user.sub);
    assert.equal(info.name, 'Alice Liddell');
    await userContext.close();
  });
});
