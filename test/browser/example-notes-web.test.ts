import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startNotesApp, type Example, type NotesApp } from '../helpers/examples.js';
import { launchChromium } from '../helpers/chromium.js';
import { assertAccessible } from '../helpers/axe.js';

describe('the example notes web app in a real browser', () => {
  let server: TestServer;
  let chromium: Browser;
  let notes: NotesApp;
  let web: Example;
  let appUrl: string;
  let alice: { password: string };

  before(async () => {
    // Access tokens that expire within the test, so the app must refresh.
    server = await startTestServer({ ttl: { accessToken: 3 } });
    alice = await server.addUser({ username: 'alice', name: 'Alice Liddell' });
    notes = await startNotesApp(server);
    appUrl = notes.appUrl;
    web = notes.web;
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    notes?.stop();
    await server.close();
  });

  it('signs a user in through Tessera’s pages, shows and adds notes, refreshes the token, and signs out', async () => {
    const page = await (await chromium.newContext()).newPage();
    await page.goto(appUrl);
    await assertAccessible(page, 'the example app, signed out');
    await page.click('#sign-in');
    // Tessera's own login and consent pages.
    await page.waitForURL(`${server.issuer}/**`);
    await assertAccessible(page, 'sign-in');
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', alice.password);
    await page.click('button[type=submit]');
    assert.match((await page.textContent('main')) ?? '', /Notes wants to access your account/);
    await assertAccessible(page, 'consent');
    await page.click('button[name=decision][value=allow]');
    await page.waitForURL(`${appUrl}/`);
    assert.equal(await page.textContent('#user'), 'Signed in as Alice Liddell');
    await assertAccessible(page, 'the example app, signed in');

    await page.fill('input[name=text]', 'Buy <milk> & eggs');
    await page.click('button:has-text("Add")');
    await page.waitForURL(`${appUrl}/`);
    assert.equal(await page.textContent('#notes'), 'Buy <milk> & eggs');

    // Past the access token's 3 seconds, the app refreshes it before calling the API.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    await page.reload();
    assert.equal(await page.textContent('#notes'), 'Buy <milk> & eggs');
    assert.match(web.output(), /refreshed the access token/);

    await page.click('#sign-out');
    await page.waitForURL(`${appUrl}/`);
    assert.ok(await page.isVisible('#sign-in'), 'signed out of the app, back at its start');
    // And out of Tessera: signing in again asks for the password.
    await page.click('#sign-in');
    await page.waitForURL(`${server.issuer}/**`);
    assert.ok(await page.isVisible('input[name=password]'));
    await assertAccessible(page, 'sign-in after signing out');
  });
});
