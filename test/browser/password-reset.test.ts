import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/chromium.js';
import { assertAccessible } from '../helpers/axe.js';
import { startMailSink, type MailSink } from '../helpers/mail-sink.js';
import * as client from 'openid-client';
import { startCodeFlow } from '../helpers/passkey-flows.js';

const CALLBACK = 'https://notes.example.com/cb';

describe('password reset in a real browser', () => {
  let sink: MailSink;
  let server: TestServer;
  let chromium: Browser;
  let appId: string;
  let rosaPassword: string;

  before(async () => {
    sink = await startMailSink();
    server = await startTestServer({}, undefined, { mail: { url: sink.url, from: 'Tessera <id@example.com>', allowPlain: true, pollSeconds: 0.2 } });
    rosaPassword = (await server.addUser({ username: 'rosa', email: 'rosa@example.org' })).password;
    const app = await server.addClient({ name: 'Notes', type: 'public', tokenEndpointAuthMethod: 'none', redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'offline_access'], firstParty: true });
    appId = app.clientId;
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await server.close();
    await sink.stop();
  });

  it('forgot password → email → new password → signed in with it, the refresh token from before dead; no CSP violation on the way', async () => {
    // Before: rosa is signed in to an app in another browser, which holds a refresh token.
    const elsewhere = await chromium.newContext();
    const app = await elsewhere.newPage();
    await app.route(`${CALLBACK}**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'back in the app' }));
    const flow = await startCodeFlow(server, appId, CALLBACK, { scope: 'openid offline_access' });
    await app.goto(flow.url);
    await app.fill('input[name=username]', 'rosa');
    await app.fill('input[name=password]', rosaPassword);
    const [callback] = await Promise.all([app.waitForRequest((r) => r.url().startsWith(CALLBACK)), app.click('form:not([data-passkey]) button[type=submit]')]);
    const config = await client.discovery(new URL(server.issuer), appId, undefined, client.None(), { execute: [client.allowInsecureRequests] });
    // The app's refresh token works (rotated once) before the reset.
    const before = await client.refreshTokenGrant(config, (await flow.redeem(callback.url())).refresh_token!);
    assert.ok(before.refresh_token);
    await elsewhere.close();

    const page = await (await chromium.newContext()).newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${server.issuer}/account`);
    await assertAccessible(page, 'sign-in');
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.waitForURL(`${server.issuer}/login/forgot-password`);
    await assertAccessible(page, 'forgot password');
    await page.fill('input[name=login]', 'rosa@example.org');
    await page.click('button[type=submit]');
    assert.match((await page.textContent('main')) ?? '', /Check your email/);
    await assertAccessible(page, 'check your email');
    const mail = await sink.next();
    const link = /http:\/\/127\.0\.0\.1:\d+\/login\/reset-password\?token=[A-Za-z0-9_-]{43}/.exec(mail.decoded)?.[0];
    assert.ok(link);
    await page.goto(link);
    await assertAccessible(page, 'choose a new password');
    await page.fill('input[name=password]', 'rosa chose a new password');
    await page.fill('input[name=password_again]', 'rosa chose a new password');
    await page.click('button[type=submit]');
    assert.match((await page.textContent('main')) ?? '', /Your password was changed/);
    await assertAccessible(page, 'password changed');
    await page.getByRole('link', { name: 'Sign in', exact: true }).click();
    await page.fill('input[name=username]', 'rosa');
    await page.fill('input[name=password]', 'rosa chose a new password');
    await page.click('button[type=submit]');
    await page.waitForURL(`${server.issuer}/account`);
    assert.match((await page.textContent('main')) ?? '', /Signed in as rosa/);
    await assertAccessible(page, 'account');
    assert.deepEqual(violations, []);

    // After: the app's refresh token from before the reset no longer works.
    await assert.rejects(client.refreshTokenGrant(config, before.refresh_token!), (e: Error & { error?: string }) => e.error === 'invalid_grant');
  });
});
