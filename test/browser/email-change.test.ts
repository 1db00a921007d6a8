import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium, watchedPage } from '../helpers/chromium.js';
import { startMailSink, type MailSink } from '../helpers/mail-sink.js';
import { mailFor, mailTo } from '../helpers/signup.js';
import { assertAccessible } from '../helpers/axe.js';

const PASSWORD = 'lin chose a long password';

describe('email change in a real browser', () => {
  let sink: MailSink;
  let server: TestServer;
  let chromium: Browser;

  before(async () => {
    sink = await startMailSink();
    server = await startTestServer({}, undefined, { mail: mailTo(sink.url) });
    await server.addUser({ username: 'mira', email: 'mira@old.example', emailVerified: true, password: PASSWORD });
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await server.close();
    await sink.stop();
  });

  it('change email on /account/security → link to the new address → in effect; the old address is told', async () => {
    const { page, violations } = await watchedPage(chromium);
    await page.goto(`${server.issuer}/account/security`);
    await page.fill('input[name=username]', 'mira');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${server.issuer}/account/security`);
    await page.fill('input[name=email]', 'mira@new.example');
    await page.fill('#email_password', PASSWORD);
    await page.getByRole('button', { name: 'Change email' }).click();
    assert.match((await page.textContent('main')) ?? '', /We sent a link to mira@new\.example/);
    assert.match((await page.textContent('main')) ?? '', /Your address: mira@old\.example/);
    await assertAccessible(page, 'account security with a pending email change');

    const mail = await mailFor(sink, 'mira@new.example');
    const link = /http:\/\/127\.0\.0\.1:\d+\/login\/verify-email\?token=[A-Za-z0-9_-]{43}/.exec(mail.decoded)?.[0];
    assert.ok(link);
    await page.goto(link);
    await page.getByRole('button', { name: 'Confirm' }).click();
    assert.match((await page.textContent('main')) ?? '', /Your account now uses mira@new\.example/);
    await assertAccessible(page, 'email changed');
    await page.getByRole('link', { name: 'Your account' }).click();
    assert.match((await page.textContent('main')) ?? '', /Your address: mira@new\.example \(confirmed\)/);
    const notice = await mailFor(sink, 'mira@old.example');
    assert.match(notice.subject, /was changed/);
    assert.deepEqual(violations, []);
  });
});
