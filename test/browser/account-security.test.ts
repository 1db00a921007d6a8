import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/chromium.js';
import { assertAccessible } from '../helpers/axe.js';
import { totp } from '../helpers/totp.js';

describe('the account security page in a real browser', () => {
  let server: TestServer;
  let chromium: Browser;

  before(async () => {
    server = await startTestServer();
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await server.close();
  });

  it('turns on two-step verification, renews the backup codes (copy and download work under the CSP), and changes the password', async () => {
    const user = await server.addUser({ username: 'nora' });
    const context = await chromium.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    // Anything the page's policy blocked (an inline script or style) would show up here.
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
    });
    // Failed loads by URL (the browser asks for /favicon.ico on its own; there is none).
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`${r.status()} ${r.url()}`);
    });

    await page.goto(`${server.issuer}/account`);
    await assertAccessible(page, 'sign-in');
    await page.fill('input[name=username]', user.username);
    await page.fill('input[name=password]', user.password);
    await page.click('button[type=submit]');
    await page.click('button:has-text("Set up two-step verification")');
    const key = (await page.textContent('#totp_secret'))!.trim();
    await assertAccessible(page, 'second factor: enroll');
    await page.fill('#code', totp(key, server.tessera.ctx.now()));
    await page.click('button:has-text("Turn on")');
    const first = await page.locator('ul.backup-codes code').allTextContents();
    assert.equal(first.length, 10);
    await assertAccessible(page, 'backup codes');
    await page.click('a:has-text("Continue")');
    await page.click('a:has-text("Password, sessions and security")');
    await page.waitForURL(`${server.issuer}/account/security`);
    assert.match((await page.textContent('main')) ?? '', /This browser/);
    await assertAccessible(page, 'account security');

    server.advance(30);
    await page.fill('#codes_code', totp(key, server.tessera.ctx.now()));
    await page.click('button:has-text("Make new backup codes")');
    const codes = await page.locator('ul.backup-codes code').allTextContents();
    assert.equal(codes.length, 10);
    await assertAccessible(page, 'account security: new backup codes');
    assert.deepEqual(codes.filter((c) => first.includes(c)), []);
    // Copy: the read-only text area holds exactly the codes, one a line, ready to select.
    assert.equal(await page.inputValue('#backup_codes_copy'), codes.join('\n'));
    await page.focus('#backup_codes_copy');
    await page.keyboard.press('Control+A');
    const selected = await page.locator('#backup_codes_copy').evaluate((t: { value: string; selectionStart: number; selectionEnd: number }) => t.value.slice(t.selectionStart, t.selectionEnd));
    assert.equal(selected, codes.join('\n'));
    // Download: a real file, saved under its name, holding the codes.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Download as a text file")')]);
    assert.equal(download.suggestedFilename(), 'backup-codes.txt');
    const text = await readFile((await download.path())!, 'utf8');
    for (const c of codes) assert.ok(text.includes(c), `the file holds ${c}`);

    await page.click('a:has-text("Done")');
    await page.fill('#current_password', user.password);
    await page.fill('#new_password', 'nora has a new passphrase');
    await page.fill('#confirm_password', 'nora has a new passphrase');
    await page.click('button:has-text("Change password")');
    assert.match((await page.textContent('[role=status]')) ?? '', /Your password is changed/);
    await assertAccessible(page, 'account security: password changed');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
