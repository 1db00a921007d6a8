import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium, watchedPage } from '../helpers/chromium.js';
import { startMailSink, type MailSink } from '../helpers/mail-sink.js';
import { discover } from '../helpers/oidc.js';
import { mailFor, mailTo } from '../helpers/signup.js';
import { assertAccessible } from '../helpers/axe.js';

const CALLBACK = 'https://notes.example.com/cb';
const PASSWORD = 'lin chose a long password';

describe('sign-up in a real browser', () => {
  let sink: MailSink;
  let server: TestServer;
  let chromium: Browser;
  let config: client.Configuration;

  before(async () => {
    sink = await startMailSink();
    server = await startTestServer({ signup: { mode: 'open' }, requireVerifiedEmail: true }, undefined, { mail: mailTo(sink.url) });
    const app = await server.addClient({ name: 'Notes', redirectUris: [CALLBACK], grantTypes: ['authorization_code'], scopes: ['openid', 'email'] });
    config = await discover(server, app.clientId, app.secret);
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await server.close();
    await sink.stop();
  });

  it('an app sends to sign-in → "Create an account" → confirmation email → first sign-in completes the code flow', async () => {
    const { page, violations, callbacks } = await watchedPage(chromium);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid email', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
    await page.goto(url.href);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(/\/signup\?interaction=/);
    await assertAccessible(page, 'sign-up form');
    await page.fill('input[name=username]', 'lin');
    await page.fill('input[name=email]', 'lin@example.org');
    await page.fill('input[name=password]', PASSWORD);
    await page.fill('input[name=password_again]', PASSWORD);
    await page.click('button[type=submit]');
    assert.match((await page.textContent('main')) ?? '', /Check your email/);
    await assertAccessible(page, 'sign-up: check your email');

    const mail = await mailFor(sink, 'lin@example.org');
    const link = /http:\/\/127\.0\.0\.1:\d+\/login\/verify-email\?token=[A-Za-z0-9_-]{43}/.exec(mail.decoded)?.[0];
    assert.ok(link, mail.decoded);
    await page.goto(link);
    await assertAccessible(page, 'confirm your email');
    await page.getByRole('button', { name: 'Confirm' }).click();
    assert.match((await page.textContent('main')) ?? '', /Your email address is confirmed/);
    await assertAccessible(page, 'email confirmed');
    await page.getByRole('link', { name: 'Continue signing in' }).click();
    await page.fill('input[name=username]', 'lin');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/^https:\/\/notes\.example\.com\/cb/);
    assert.equal(callbacks.length, 1);
    const tokens = await client.authorizationCodeGrant(config, new URL(callbacks[0]!), { pkceCodeVerifier: verifier, expectedState: state });
    const sub = tokens.claims()?.sub;
    assert.equal(sub, (await server.tessera.ctx.stores.users.findByUsername('lin'))?.id);
    const info = await client.fetchUserInfo(config, tokens.access_token, sub!);
    assert.equal(info.email, 'lin@example.org');
    assert.equal(info.email_verified, true);
    assert.deepEqual(violations, []);
  });
});
