import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/chromium.js';
import { assertAccessible } from '../helpers/axe.js';

const CALLBACK = 'https://notes.example.com/cb';

describe('languages in a real browser', () => {
  let server: TestServer;
  let chromium: Browser;
  let clientId: string;
  let password: string;

  before(async () => {
    server = await startTestServer();
    ({ password } = await server.addUser({ username: 'lea' }));
    ({ clientId } = await server.addClient({ name: 'Notes', redirectUris: [CALLBACK], scopes: ['openid', 'profile'] }));
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await server.close();
  });

  it('an authorization request with ui_locales=fr shows the French login page; signing in and the language switch work without script', async () => {
    // An English-speaking browser: the client's ui_locales decides until the person chooses.
    const context = await chromium.newContext({ locale: 'en-US', javaScriptEnabled: false });
    const page = await context.newPage();
    await page.route('https://notes.example.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'back at Notes' }));
    const url = new URL(`${server.issuer}/authorize`);
    const challenge = await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier());
    for (const [k, v] of Object.entries({ client_id: clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid profile', code_challenge: challenge, code_challenge_method: 'S256', state: 'xyz', ui_locales: 'fr' })) url.searchParams.set(k, v);

    await page.goto(url.href);
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assert.equal(await page.title(), 'Connexion · Tessera');
    await page.getByLabel("Nom d'utilisateur").fill('lea');
    await page.getByLabel('Mot de passe', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Se connecter', exact: true }).click();

    await page.getByRole('heading', { name: 'Notes souhaite accéder à votre compte' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    await page.getByRole('button', { name: 'Autoriser' }).click();
    await page.waitForURL((u) => u.origin === 'https://notes.example.com');
    assert.ok(new URL(page.url()).searchParams.get('code'));

    await page.goto(`${server.issuer}/account`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Your account');
    await page.getByLabel('Language').selectOption('de');
    await page.getByRole('button', { name: 'Change' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ihr Konto' }).waitFor();
    assert.equal(page.url(), `${server.issuer}/account`);
    assert.equal(await page.getAttribute('html', 'lang'), 'de');
    assert.match((await page.textContent('main')) ?? '', /Angemeldet als lea/);
    assert.equal(await page.locator('#language-switch').inputValue(), 'de');

    // axe runs as script in the page: the pages in French and German again, in a context that allows it.
    const scripted = await chromium.newContext({ locale: 'de-DE' });
    const checked = await scripted.newPage();
    await checked.goto(url.href);
    assert.equal(await checked.getAttribute('html', 'lang'), 'fr');
    await assertAccessible(checked, 'French sign-in');
    await checked.goto(`${server.issuer}/account`);
    assert.equal(await checked.getAttribute('html', 'lang'), 'de');
    await assertAccessible(checked, 'German sign-in to the account page');
    await scripted.close();
    await context.close();
  });
});
