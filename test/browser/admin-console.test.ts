import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/chromium.js';
import { assertAccessible } from '../helpers/axe.js';
import { grantAdminRole } from '../helpers/admin-console.js';
import { confirmEnrollment, startEnrollment } from '../../src/core/accounts/mfa.js';

describe('the admin console in a real browser', () => {
  let server: TestServer;
  let chromium: Browser;
  let admin: { sub: string; username: string; password: string };
  let totpKey: string;

  before(async () => {
    server = await startTestServer();
    admin = await server.addUser({ username: 'opal', name: 'Opal Operator' });
    await grantAdminRole(server, admin.username);
    // The operator set up an authenticator earlier: enrolled through the core, confirmed with a code otplib computes.
    const { ctx } = server.tessera;
    const enrollment = await startEnrollment(ctx, admin.sub, admin.username, 'test-setup');
    totpKey = enrollment!.secret;
    assert.ok(await confirmEnrollment(ctx, admin.sub, await generate({ secret: totpKey, epoch: ctx.now() }), 'test-setup'));
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await server.close();
  });

  it('an operator signs in with password and TOTP, creates a client and a user, disables the user, and finds it all in the audit log', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    // A style or script the page's CSP refused would be reported here (a missing favicon is not).
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${server.issuer}/admin`);
    await assertAccessible(page, 'sign-in to the admin console');
    await page.fill('input[name=username]', admin.username);
    await page.fill('input[name=password]', admin.password);
    await page.click('button[type=submit]');
    // The code of the next time step: the one used to enroll works only once.
    server.advance(30);
    await assertAccessible(page, 'second factor: verify');
    await page.fill('input[name=code]', await generate({ secret: totpKey, epoch: server.tessera.ctx.now() }));
    await page.click('button[type=submit]');
    await page.waitForURL(`${server.issuer}/admin`);
    assert.match((await page.textContent('main')) ?? '', /Last 24 hours[\s\S]*Sign-ins/);
    assert.equal(await page.locator('figure.chart svg').count(), 2, 'two charts drawn on the server');
    await assertAccessible(page, 'admin dashboard');

    // A client: its secret is shown once.
    await page.click('nav >> text=Clients');
    await page.fill('#name', 'Reports');
    await page.fill('#redirect_uris', 'https://reports.example.com/callback');
    await page.click('button:has-text("Create client")');
    const clientId = (await page.textContent('#client_id'))?.trim();
    assert.ok(clientId);
    assert.ok(((await page.textContent('#client_secret')) ?? '').trim().length >= 40, 'the secret is shown');
    await assertAccessible(page, 'admin: the new client');

    // A user, then disabled: the box must be ticked (the browser enforces it, the server checks it).
    await page.click('nav >> text=Users');
    await page.fill('#username', 'dave');
    await page.fill('#email', 'dave@example.com');
    await page.click('button:has-text("Create user")');
    assert.match((await page.textContent('main')) ?? '', /User dave created/);
    const sub = (await page.textContent('#user_sub'))?.trim();
    assert.ok(sub);
    await page.check('label.confirm input[name=confirm]');
    await page.click('button:has-text("Disable user")');
    assert.match((await page.textContent('#user_state')) ?? '', /disabled/);
    assert.equal((await server.tessera.ctx.stores.users.findById(sub))?.disabled, true);
    await assertAccessible(page, 'admin: a disabled user');

    // The audit log shows the three changes, made by this operator.
    await page.click('nav >> text=Audit log');
    const log = (await page.textContent('table.audit')) ?? '';
    for (const expected of ['client.created', 'user.created', 'user.changed']) assert.ok(log.includes(expected), `${expected} in the log`);
    assert.ok(log.includes(`user:${admin.sub}`), 'the operator is the actor');
    await page.selectOption('#type', 'user.changed');
    await page.click('button:has-text("Filter")');
    const filtered = (await page.textContent('table.audit')) ?? '';
    assert.match(filtered, /disabled/);
    assert.ok(!filtered.includes('client.created'));
    await assertAccessible(page, 'admin: the audit log, filtered');
    assert.deepEqual(violations, [], 'no CSP violations');
    await context.close();
  });
});
