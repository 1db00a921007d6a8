import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startNotesApp, type NotesApp } from '../helpers/examples.js';
import { launchChromium } from '../helpers/chromium.js';
import { assertAccessible } from '../helpers/axe.js';
import { startTestDirectory, type TestDirectory } from '../helpers/ldap.js';
import { PEOPLE, SERVICE, USERS } from '../helpers/ldap-fixtures.js';
import { startOpenIdProvider, type OpenIdMisbehaviour, type TestProvider } from '../helpers/upstream-idp.js';
import { tessera } from '../helpers/cli.js';

/**
 * In a real browser (Debian chromium): a user signs in to the example notes app through Tessera
 * with their directory password (a real OpenLDAP), then another through "Continue with Acme" (a real
 * OpenID provider). The app speaks plain OpenID Connect to Tessera and never learns where they came from.
 */
describe('federated sign-in in a real browser', () => {
  let server: TestServer;
  let directory: TestDirectory;
  let acme: TestProvider<OpenIdMisbehaviour>;
  let chromium: Browser;
  let notes: NotesApp;
  let appUrl: string;
  const SECRET = 'acme-client-secret-with-enough-entropy-0123456789';
  const GRACE = { sub: 'acme-grace', username: 'grace', password: 'grace acme password', email: 'grace@acme.example', email_verified: true, name: 'Grace Hopper', groups: [] };

  before(async () => {
    directory = await startTestDirectory();
    server = await startTestServer();
    acme = await startOpenIdProvider({ clients: [{ client_id: 'tessera', client_secret: SECRET, redirect_uris: [`${server.issuer}/federation/acme/callback`] }], users: [GRACE] });
    const ldap = await tessera(['idp', 'add', 'ldap', '--name', 'corp', '--url', directory.url, '--start-tls', '--ca-file', directory.caFile, '--bind-dn', SERVICE.dn, '--user-base', PEOPLE, '--bind-password-stdin', ...server.storeArgs], SERVICE.password);
    assert.equal(ldap.code, 0, ldap.stderr);
    const oidc = await tessera(['idp', 'add', 'oidc', '--name', 'acme', '--display-name', 'Acme', '--issuer', acme.issuer, '--client-id', 'tessera', '--client-secret-stdin', ...server.storeArgs], SECRET);
    assert.equal(oidc.code, 0, oidc.stderr);

    notes = await startNotesApp(server);
    appUrl = notes.appUrl;
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    notes?.stop();
    await server.close();
    await acme.stop();
    await directory.close();
  });

  /** Allows the app on Tessera's consent page and lands back in the app. */
  async function allow(page: Page): Promise<void> {
    await page.waitForSelector('button[name=decision][value=allow]');
    assert.match((await page.textContent('main')) ?? '', /Notes wants to access your account/);
    await assertAccessible(page, 'consent');
    await page.click('button[name=decision][value=allow]');
    await page.waitForURL(`${appUrl}/`);
  }

  it('signs a directory user in with their directory password', async () => {
    const page = await (await chromium.newContext()).newPage();
    await page.goto(appUrl);
    await page.click('#sign-in');
    await page.waitForURL(`${server.issuer}/**`);
    assert.ok(await page.isVisible('a:has-text("Continue with Acme")'));
    await assertAccessible(page, 'sign-in with an upstream provider offered');
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', USERS.alice.password);
    await page.click('button[type=submit]');
    await allow(page);
    assert.equal(await page.textContent('#user'), `Signed in as ${USERS.alice.cn}`);
  });

  it('signs a user in through "Continue with Acme"', async () => {
    const page = await (await chromium.newContext()).newPage();
    await page.goto(appUrl);
    await page.click('#sign-in');
    await page.waitForURL(`${server.issuer}/**`);
    await page.click('a:has-text("Continue with Acme")');
    // Acme's own sign-in page.
    await page.waitForURL(`${acme.issuer}/**`);
    await page.fill('input[name=username]', GRACE.username);
    await page.fill('input[name=password]', GRACE.password);
    await page.click('button:has-text("Sign in")');
    await allow(page);
    assert.equal(await page.textContent('#user'), 'Signed in as Grace Hopper');
  });
});
