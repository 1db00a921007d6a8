import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/chromium.js';
import { assertAccessible } from '../helpers/axe.js';
import { startMailSink, type MailSink } from '../helpers/mail-sink.js';

describe('password reset in a real browser', () => {
  let sink: MailSink;
  let server: TestServer;
  let chromium: Browser;

  before(async () => {
    sink = await startMailSink();
    server = await startTestServer({}, undefined, { mail: { url: sink.url, from: 'Tessera <id@example.com>', allowPlain: true, pollSeconds: 0.2 } });
    await server.addUser({ username: 'rosa', email: 'rosa@example.org' });
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await server.close();
    await sink.stop();
  });

  it('forgot password → email → new password → signed in with it; no CSP violation on the way', async () => {
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
  });
});
