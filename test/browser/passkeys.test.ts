import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { freePort, startTestServer, type TestServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/chromium.js';
import { startCodeFlow } from '../helpers/passkey-flows.js';
import { totp } from '../helpers/totp.js';
import { assertAccessible } from '../helpers/axe.js';

/**
 * Passkeys in chromium with a CDP virtual authenticator (internal transport, resident keys, user
 * verification). The issuer is http://localhost:PORT: WebAuthn refuses an IP address as RP ID,
 * and localhost is a secure context.
 */
const CALLBACK = 'https://app.example/callback';

describe('passkeys in a real browser', () => {
  let server: TestServer;
  let chromium: Browser;
  let appId: string;
  let issuer: string;

  before(async () => {
    const port = await freePort();
    issuer = `http://localhost:${port}`;
    server = await startTestServer({ issuer }, undefined, { port });
    chromium = await launchChromium();
    appId = (await server.addClient({ name: 'Notes', type: 'public', tokenEndpointAuthMethod: 'none', redirectUris: [CALLBACK], scopes: ['openid'], firstParty: true })).clientId;
  });
  after(async () => {
    await chromium?.close();
    await server?.close();
  });

  /** A browser context with a virtual platform authenticator; problems (CSP refusals, failed loads) collected. */
  async function withAuthenticator(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await chromium.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', { options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`${r.status()} ${r.url()}`);
    });
    return { context, page, problems };
  }

  /**
   * The virtual authenticator answers a conditional (autofill) request at once, signing in before a
   * test can type a password or press a button. Tests of those paths play a browser without
   * conditional mediation, so the script asks only when the button is pressed.
   */
  async function withoutConditionalUi(page: Page) {
    await page.addInitScript(() => {
      (globalThis as unknown as { PublicKeyCredential: { isConditionalMediationAvailable(): Promise<boolean> } }).PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
    });
  }

  /** Where the browser is sent back to the app: the callback URL (the app itself does not exist). */
  async function callbackOf(page: Page, action: () => Promise<unknown>): Promise<string> {
    const [request] = await Promise.all([page.waitForRequest((r) => r.url().startsWith(CALLBACK)), action()]);
    return request.url();
  }

  async function registerOnSecurityPage(page: Page, user: { username: string; password: string }, name: string) {
    await page.goto(`${issuer}/account/security`);
    await page.fill('input[name=username]', user.username);
    await page.fill('input[name=password]', user.password);
    await page.click('form:not([data-passkey]) button[type=submit]');
    await page.waitForURL(`${issuer}/account/security`);
    await page.fill('#passkey_name', name);
    await page.click('button:has-text("Add a passkey")');
    await page.waitForURL(/notice=passkey_added/);
    assert.match((await page.textContent('ul.passkeys')) ?? '', new RegExp(name));
    await assertAccessible(page, 'account security with a passkey');
  }

  it('registers a passkey, signs out, and signs in with "Sign in with a passkey" alone through a code flow', async () => {
    const user = await server.addUser({ username: 'paula' });
    const { context, page, problems } = await withAuthenticator();
    await registerOnSecurityPage(page, user, 'This laptop');
    await context.clearCookies();
    await withoutConditionalUi(page);

    const flow = await startCodeFlow(server, appId, CALLBACK, {}, issuer);
    await page.goto(flow.url);
    assert.equal(await page.getAttribute('#username', 'autocomplete'), 'username webauthn');
    await assertAccessible(page, 'sign-in with a passkey button');
    const callback = await callbackOf(page, () => page.click('button:has-text("Sign in with a passkey")'));
    const claims = decodeJwt((await flow.redeem(callback)).id_token!);
    assert.equal(claims.sub, user.sub);
    // The virtual authenticator's keys are not backup eligible: hardware-bound.
    assert.deepEqual(claims['amr'], ['hwk', 'mfa']);
    assert.equal(claims['acr'], 'phr');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('conditional UI: the login page asks with mediation "conditional" and the passkey signs in from the username field, no button pressed', async () => {
    const user = await server.addUser({ username: 'conny' });
    const { context, page, problems } = await withAuthenticator();
    await registerOnSecurityPage(page, user, 'Key');
    await context.clearCookies();
    // Headless chromium draws no autofill list; its virtual authenticator (user present and verified
    // automatically) answers the conditional request as if the person had picked the passkey there.
    const flow = await startCodeFlow(server, appId, CALLBACK, {}, issuer);
    const callback = await callbackOf(page, () => page.goto(flow.url).catch(() => undefined));
    const claims = decodeJwt((await flow.redeem(callback)).id_token!);
    assert.equal(claims.sub, user.sub);
    assert.deepEqual(claims['amr'], ['hwk', 'mfa']);
    assert.deepEqual(problems.filter((p) => !p.includes('app.example')), []);
    await context.close();
  });

  it('a passkey is the second factor after a password (a user without an authenticator app is offered only the passkey)', async () => {
    const user = await server.addUser({ username: 'sami' });
    const { context, page, problems } = await withAuthenticator();
    await registerOnSecurityPage(page, user, 'Key');
    await context.clearCookies();
    await withoutConditionalUi(page);
    const strict = await server.addClient({ name: 'Payroll', type: 'public', tokenEndpointAuthMethod: 'none', redirectUris: [CALLBACK], scopes: ['openid'], requireMfa: true, firstParty: true });
    const flow = await startCodeFlow(server, strict.clientId, CALLBACK, {}, issuer);
    await page.goto(flow.url);
    await page.fill('input[name=username]', user.username);
    await page.fill('input[name=password]', user.password);
    await page.click('form:not([data-passkey]) button[type=submit]');
    await page.locator('button:has-text("Use a passkey")').waitFor();
    await assertAccessible(page, 'second factor: a passkey');
    const callback = await callbackOf(page, () => page.click('button:has-text("Use a passkey")'));
    const claims = decodeJwt((await flow.redeem(callback)).id_token!);
    assert.deepEqual(claims['amr'], ['pwd', 'hwk', 'mfa']);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('a client requiring phishing-resistant sign-ins refuses password + TOTP and accepts the passkey', async () => {
    const user = await server.addUser({ username: 'rita' });
    const { context, page } = await withAuthenticator();
    // An authenticator app first, then a passkey.
    await page.goto(`${issuer}/account`);
    await page.fill('input[name=username]', user.username);
    await page.fill('input[name=password]', user.password);
    await page.click('form:not([data-passkey]) button[type=submit]');
    await page.click('button:has-text("Set up two-step verification")');
    const key = (await page.textContent('#totp_secret'))!.trim();
    await page.fill('#code', totp(key, server.tessera.ctx.now()));
    await page.click('button:has-text("Turn on")');
    await page.goto(`${issuer}/account/security`);
    await page.fill('#passkey_name', 'Key');
    await page.click('button:has-text("Add a passkey")');
    await page.waitForURL(/notice=passkey_added/);
    await context.clearCookies();
    await withoutConditionalUi(page);

    const bank = await server.addClient({ name: 'Bank', type: 'public', tokenEndpointAuthMethod: 'none', redirectUris: [CALLBACK], scopes: ['openid'], requireMfa: true, requirePhishingResistant: true, firstParty: true });
    const flow = await startCodeFlow(server, bank.clientId, CALLBACK, {}, issuer);
    await page.goto(flow.url);
    await page.fill('input[name=username]', user.username);
    await page.fill('input[name=password]', user.password);
    await page.click('form:not([data-passkey]) button[type=submit]');
    // Only the passkey is offered: a code cannot satisfy this app.
    assert.equal(await page.locator('input[name=code]').count(), 0);
    assert.match((await page.textContent('main')) ?? '', /must use one of your passkeys/);
    const callback = await callbackOf(page, () => page.click('button:has-text("Use a passkey")'));
    assert.equal(decodeJwt((await flow.redeem(callback)).id_token!)['acr'], 'phr');
    await context.close();
  });
});
