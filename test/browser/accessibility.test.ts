import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/chromium.js';
import { startMailSink, type MailSink } from '../helpers/mail-sink.js';
import { assertAccessible, axeViolations } from '../helpers/axe.js';
import { grantAdminRole } from '../helpers/admin-console.js';
import { totp } from '../helpers/totp.js';
import { postForm } from '../helpers/http.js';
import { resolveBranding } from '../../src/cli/serve-settings.js';

/*
 * Every page a person meets, checked by axe-core in light and in dark (test/helpers/axe.ts), on a
 * server wearing a brand (logo, accent, support link), so that those are checked too; then a
 * sign-in and a consent done with the keyboard alone.
 */

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

describe('accessibility of every page (axe-core, WCAG 2.2 AA, light and dark)', () => {
  let sink: MailSink;
  let server: TestServer;
  let chromium: Browser;
  let context: BrowserContext;
  let page: Page;
  let notes: { clientId: string; secret?: string };
  let tv: { clientId: string };
  let user: { sub: string; username: string; password: string };
  let totpKey = '';
  // The Notes app's callback: a page on this machine, so the browser lands somewhere real.
  let app: Server;
  let CALLBACK = '';
  const scratch = mkdtempSync(join(tmpdir(), 'tessera-a11y-'));

  /** An authorization request of the Notes app. */
  function authorizeUrl(): string {
    const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
    const q = new URLSearchParams({ response_type: 'code', client_id: notes.clientId, redirect_uri: CALLBACK, scope: 'openid profile', state: 's1', code_challenge: challenge, code_challenge_method: 'S256' });
    return `${server.issuer}/authorize?${q}`;
  }

  async function signIn(p: Page, password = user.password): Promise<void> {
    await p.fill('input[name=username]', user.username);
    await p.fill('input[name=password]', password);
    await p.click('button[type=submit]');
  }

  before(async () => {
    app = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html lang="en"><title>Notes</title><main>back at the app</main></html>'));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    CALLBACK = `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`;
    sink = await startMailSink();
    writeFileSync(join(scratch, 'logo.png'), PNG);
    const branding = resolveBranding({ brandName: 'Acme ID', brandLogo: join(scratch, 'logo.png'), brandColor: '#0b5cad', brandSupportUrl: 'https://help.acme.example/' }, {});
    server = await startTestServer({ consoleUsers: 'all' as never, devicePollInterval: 1 }, undefined, {
      mail: { url: sink.url, from: 'Acme ID <id@example.com>', allowPlain: true, pollSeconds: 0.2 },
      branding: branding!,
    });
    user = await server.addUser({ username: 'mia', email: 'mia@example.org', name: 'Mia' });
    await grantAdminRole(server, user.username);
    notes = await server.addClient({ name: 'Notes', redirectUris: [CALLBACK], scopes: ['openid', 'profile'] });
    tv = await server.addClient({ name: 'Living Room TV', type: 'public', grantTypes: [DEVICE_GRANT], scopes: ['openid', 'profile'] });
    chromium = await launchChromium();
    context = await chromium.newContext();
    page = await context.newPage();
  });
  after(async () => {
    await chromium?.close();
    await server?.close();
    await sink?.stop();
    app?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('really runs: a broken fragment put into a page of the server (under its CSP) is caught, and dark mode is measured as dark', async () => {
    await page.goto(`${server.issuer}/`);
    assert.match((await context.request.get(`${server.issuer}/`)).headers()['content-security-policy'] ?? '', /default-src 'none'/);
    await page.evaluate(() => {
      const d = (globalThis as unknown as { document: { createElement(t: string): { style: Record<string, string>; textContent: string; setAttribute(n: string, v: string): void; appendChild(c: unknown): void }; querySelector(s: string): { appendChild(c: unknown): void } } }).document;
      const img = d.createElement('img');
      img.setAttribute('src', '/assets/nothing.png');
      d.querySelector('main').appendChild(img);
      // Text in the old dark-mode error red: readable on white, 2.85:1 on the dark background.
      const p = d.createElement('p');
      p.textContent = 'this text is hard to read in the dark';
      p.style['color'] = '#b42318';
      d.querySelector('main').appendChild(p);
    });
    const light = await axeViolations(page, 'light');
    assert.deepEqual(light.map((v) => v.id), ['image-alt']);
    const dark = await axeViolations(page, 'dark');
    assert.deepEqual(dark.map((v) => v.id).sort(), ['color-contrast', 'image-alt']);
    await assert.rejects(assertAccessible(page, 'broken page'), (e: Error) => /broken page .*axe found 3 serious or critical problem\(s\)/.test(e.message) && /\[dark\] color-contrast \(serious\)/.test(e.message) && /at img\[src\$="nothing\.png"\]/.test(e.message));
  });

  it('home, sign-in (with its error), account, two-step set-up and backup codes, account security', async () => {
    await page.goto(`${server.issuer}/`);
    await assertAccessible(page, 'home');
    await page.goto(`${server.issuer}/account`);
    await assertAccessible(page, 'sign-in');
    await signIn(page, 'not the password');
    assert.match((await page.textContent('[role=alert]')) ?? '', /./);
    await assertAccessible(page, 'sign-in with an error');
    await signIn(page);
    await page.waitForURL(`${server.issuer}/account`);
    await assertAccessible(page, 'account');
    await page.click('button:has-text("Set up two-step verification")');
    totpKey = (await page.textContent('#totp_secret'))!.trim();
    await assertAccessible(page, 'second factor: enroll');
    await page.fill('#code', '000000');
    await page.click('button[type=submit]');
    await assertAccessible(page, 'second factor: enroll with an error');
    await page.fill('#code', totp(totpKey, server.tessera.ctx.now()));
    await page.click('button[type=submit]');
    assert.equal(await page.locator('ul.backup-codes code').count(), 10);
    await assertAccessible(page, 'second factor: backup codes');
    await page.goto(`${server.issuer}/account/security`);
    await assertAccessible(page, 'account security');
  });

  it('consent, sign-out, the second-factor check of a new sign-in, and the error page', async () => {
    await page.goto(authorizeUrl());
    assert.equal(await page.locator('button[name=decision]').count(), 2);
    await assertAccessible(page, 'consent');
    await page.click('button[value=allow]');
    await page.waitForURL(`${CALLBACK}?**`);
    assert.match(page.url(), /\?code=/);
    await page.goto(`${server.issuer}/logout`);
    await assertAccessible(page, 'sign out');
    await page.click('button[type=submit]');
    await page.goto(`${server.issuer}/account`);
    await signIn(page);
    server.advance(30);
    assert.equal(await page.locator('#code').count(), 1);
    await assertAccessible(page, 'second factor: verify');
    await page.fill('#code', totp(totpKey, server.tessera.ctx.now()));
    await page.click('button[type=submit]');
    await page.waitForURL(`${server.issuer}/account`);
    await page.goto(`${server.issuer}/authorize?client_id=nobody&response_type=code`);
    assert.match((await page.textContent('h1')) ?? '', /./);
    await assertAccessible(page, 'error page');
  });

  it('a device: the code form and the approval', async () => {
    const start = await postForm(`${server.issuer}/device_authorization`, { client_id: tv.clientId, scope: 'openid profile' });
    const userCode = String(start.body['user_code']);
    await page.goto(`${server.issuer}/device`);
    await assertAccessible(page, 'device: code');
    await page.fill('#user_code', userCode);
    await page.click('button[type=submit]');
    assert.equal(await page.locator('button[name=decision]').count(), 2);
    await assertAccessible(page, 'device: approve');
    await page.click('button[value=allow]');
    await assertAccessible(page, 'device: approved');
  });

  it('the developer console: the list with its form, and an app with its secret shown once', async () => {
    await page.goto(`${server.issuer}/console`);
    await assertAccessible(page, 'developer console');
    await page.fill('#name', 'Reports');
    await page.fill('#redirect_uris', 'https://reports.example.com/cb');
    await page.click('button:has-text("Register app")');
    assert.equal(await page.locator('#client_secret').count(), 1);
    await assertAccessible(page, 'developer console: app');
  });

  it('every section of the admin console', async () => {
    await page.goto(`${server.issuer}/admin`);
    const sections = await page.locator('header.admin-bar nav a').evaluateAll((links) => links.map((a) => (a as unknown as { href: string }).href));
    assert.ok(sections.length >= 7, sections.join(' '));
    assert.match((await page.textContent('header.admin-bar')) ?? '', /Acme ID admin/);
    for (const href of sections) {
      await page.goto(href);
      await assertAccessible(page, `admin ${new URL(href).pathname}`);
    }
    await page.goto(`${server.issuer}/admin/users/${encodeURIComponent(user.sub)}`);
    if ((await page.locator('main h1').count()) > 0) await assertAccessible(page, 'admin: a user');
  });

  it('a sign-in and a consent with the keyboard alone (Tab, typing, Enter), every stop showing its focus', async () => {
    const kim = await server.addUser({ username: 'kim' });
    const keyboard = await chromium.newContext();
    const p = await keyboard.newPage();
    /** The focused element, and whether it shows a focus ring a person can see. */
    const focused = () =>
      p.evaluate(() => {
        const d = (globalThis as unknown as { document: { activeElement: { tagName: string; id: string; getAttribute(n: string): string | null } | null } }).document;
        const el = d.activeElement!;
        const style = (globalThis as unknown as { getComputedStyle(e: unknown): { outlineStyle: string; outlineWidth: string } }).getComputedStyle(el);
        return { what: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.getAttribute('value') ? `[${el.getAttribute('value')}]` : ''}`, ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 };
      });
    /** Presses Tab until `target` has the focus; every element on the way must show it. */
    async function tabTo(target: string): Promise<string[]> {
      const stops: string[] = [];
      for (let i = 0; i < 15; i++) {
        await p.keyboard.press('Tab');
        const now = await focused();
        assert.ok(now.ring, `${now.what} shows no focus ring`);
        stops.push(now.what);
        if (now.what === target) return stops;
      }
      assert.fail(`Tab never reached ${target}: ${stops.join(', ')}`);
    }
    await p.goto(authorizeUrl());
    assert.equal((await focused()).what, 'input#username', 'the username field has the focus at once');
    await p.keyboard.type(kim.username);
    await tabTo('input#password');
    await p.keyboard.type(kim.password);
    await tabTo('button');
    await Promise.all([p.waitForURL((u) => u.pathname.startsWith('/interaction/') || u.pathname.startsWith('/authorize')), p.keyboard.press('Enter')]);
    await p.waitForSelector('button[value=allow]');
    const stops = await tabTo('button[allow]');
    assert.deepEqual(stops, ['button[allow]'], 'Allow is the first stop of the consent page');
    await tabTo('button[deny]');
    await p.keyboard.press('Shift+Tab');
    assert.equal((await focused()).what, 'button[allow]');
    await p.keyboard.press('Enter');
    await p.waitForURL(`${CALLBACK}?**`);
    assert.match(p.url(), /\?code=/, 'back at the app with a code');
    await keyboard.close();
  });

  it('forgot password, the message after it, and the reset form the email links to', async () => {
    const signedOut = await chromium.newContext();
    const p = await signedOut.newPage();
    await p.goto(`${server.issuer}/login/forgot-password`);
    await assertAccessible(p, 'forgot password');
    await p.fill('input[name=login]', 'mia@example.org');
    await p.click('button[type=submit]');
    await assertAccessible(p, 'forgot password: sent');
    const mail = await sink.next();
    const link = /http:\/\/127\.0\.0\.1:\d+\/login\/reset-password\?token=[A-Za-z0-9_-]{43}/.exec(mail.decoded)?.[0];
    assert.ok(link);
    await p.goto(link);
    await assertAccessible(p, 'reset password');
    await p.fill('input[name=password]', 'short');
    await p.fill('input[name=password_again]', 'other');
    await p.click('button[type=submit]');
    await assertAccessible(p, 'reset password with an error');
    await signedOut.close();
  });
});
