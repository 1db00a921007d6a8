import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startMailSink, type MailSink } from '../helpers/mail-sink.js';
import { isPage, Browser, formOf, textOf, type Page } from '../helpers/browser.js';
import { totp } from '../helpers/totp.js';
import { hasSecondFactor, backupCodesLeft } from '../../src/core/accounts/mfa.js';

/*
 * Attacks on the account security page /account/security (issue 21): each test is one attack,
 * asserting what must happen. Real servers, a real SMTP sink where mail is involved.
 */

type User = { sub: string; username: string; password: string };
const SECURITY = '/account/security';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const keyOf = (page: Page): string => /<code id="totp_secret">([A-Z2-7]+)<\/code>/.exec(page.html)?.[1] ?? assert.fail(`no key: ${textOf(page.html)}`);
const signedOut = async (server: TestServer, browser: Browser) => /name="password"/.test(isPage(await browser.visit(`${server.issuer}/account`)).html);

async function securityPage(server: TestServer, user: { username: string; password: string }, browser = new Browser(server.issuer)): Promise<{ browser: Browser; page: Page }> {
  const login = isPage(await browser.visit(server.issuer + SECURITY));
  const page = isPage(await browser.submit(login, { username: user.username, password: user.password }));
  assert.match(textOf(page.html), /Security Signed in as/, textOf(page.html));
  return { browser, page };
}

async function enroll(server: TestServer, browser: Browser): Promise<string> {
  const account = isPage(await browser.visit(`${server.issuer}/account`));
  const setup = isPage(await browser.submit(account, {}, '/account/second-factor'));
  const key = keyOf(setup);
  isPage(await browser.submit(setup, { code: totp(key, server.tessera.ctx.now()) }, '/confirm'));
  server.advance(30);
  return key;
}

const passwordIs = async (server: TestServer, user: User, password: string) =>
  server.tessera.ctx.passwords.verify((await server.tessera.ctx.stores.users.findById(user.sub))!.passwordHash, password);

describe('attacks on the account security page', () => {
  let sink: MailSink;
  let server: TestServer;

  before(async () => {
    sink = await startMailSink();
    // Account deletion is left at its default (off).
    server = await startTestServer({ signInLimits: { perPair: 10, perSubject: 30, perIp: 100 } }, undefined, { mail: { url: sink.url, from: 'Tessera <id@example.com>', allowPlain: true, pollSeconds: 0.2 } });
  });
  after(async () => {
    await server.close();
    await sink.stop();
  });

  it('account deletion off by default: a signed-in user with a valid form token cannot delete the account, and no form offers it', async () => {
    const del = await server.addUser({ username: 'del' });
    const { browser, page } = await securityPage(server, del);
    assert.doesNotMatch(page.html, /\/account\/delete/);
    const csrf = formOf(page.html, '/account/password').hidden['csrf']!;
    const response = await browser.request(server.issuer + '/account/delete', { method: 'POST', headers: FORM, body: new URLSearchParams({ csrf, confirm_username: 'del', current_password: del.password }).toString() });
    assert.equal(response.status, 404);
    assert.ok(await server.tessera.ctx.stores.users.findById(del.sub), 'the account is still there');
    assert.equal(await signedOut(server, browser), false);
  });

  it('a form token of another form (the forgot-password page, bound to the same browser) does not pass on the account page', async () => {
    const fay = await server.addUser({ username: 'fay', email: 'fay@example.org' });
    const { browser } = await securityPage(server, fay);
    const forgot = isPage(await browser.visit(`${server.issuer}/login/forgot-password`));
    const csrf = /name="csrf" value="([^"]+)"/.exec(forgot.html)![1]!;
    const response = await browser.request(server.issuer + '/account/password', {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ csrf, current_password: fay.password, new_password: 'fay was made to change', confirm_password: 'fay was made to change' }).toString(),
    });
    assert.equal(response.status, 403);
    assert.equal(await passwordIs(server, fay, fay.password), true);
  });

  it('clickjacking and caching: the page and the page showing new backup codes cannot be framed or stored', async () => {
    const cal = await server.addUser({ username: 'cal' });
    const { browser } = await securityPage(server, cal);
    const key = await enroll(server, browser);
    const shown = await browser.request(server.issuer + SECURITY);
    const page = { status: shown.status, html: await shown.text(), url: server.issuer + SECURITY } as Page;
    const csrf = formOf(page.html, '/account/password').hidden['csrf']!;
    const codes = await browser.request(server.issuer + '/account/backup-codes', { method: 'POST', headers: FORM, body: new URLSearchParams({ csrf, code: totp(key, server.tessera.ctx.now()) }).toString() });
    assert.equal(codes.status, 200);
    assert.match(await codes.text(), /[a-z0-9]{5}-[a-z0-9]{5}/);
    for (const response of [shown, codes]) {
      assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.equal(response.headers.get('x-frame-options'), 'DENY');
      assert.match(response.headers.get('cache-control') ?? '', /no-store/);
    }
  });

  it('session fixation: a session cookie planted before the sign-in never becomes the victim\'s session', async () => {
    const vic = await server.addUser({ username: 'vic' });
    // The attacker sets a session cookie of their choosing in the victim's browser (a sibling domain, a shared machine).
    const planted = randomBytes(32).toString('base64url');
    const victim = new Browser(server.issuer);
    victim.cookies.set('tessera_session', planted);
    await securityPage(server, vic, victim);
    assert.notEqual(victim.cookies.get('tessera_session'), planted);
    const withPlanted = new Browser(server.issuer);
    withPlanted.cookies.set('tessera_session', planted);
    const page = isPage(await withPlanted.visit(server.issuer + SECURITY));
    assert.doesNotMatch(textOf(page.html), /Signed in as vic/);
  });

  it('someone who knows the old password and waits at the code prompt is shut out once the user changes the password', async () => {
    const pia = await server.addUser({ username: 'pia' });
    const { browser } = await securityPage(server, pia);
    const key = await enroll(server, browser);
    // The thief signs in with the password and stops at the code prompt (a code phished later).
    const thief = new Browser(server.issuer);
    const login = isPage(await thief.visit(`${server.issuer}/account`));
    const prompt = isPage(await thief.submit(login, { username: 'pia', password: pia.password }));
    assert.match(prompt.html, /name="code"/);
    // Pia proves her factor on the page and changes the password.
    const page = isPage(await browser.visit(server.issuer + SECURITY));
    const step = /name="code"/.test(page.html) ? isPage(await browser.submit(page, { code: totp(key, server.tessera.ctx.now()) })) : page;
    server.advance(30);
    const done = isPage(await browser.submit(step, { current_password: pia.password, new_password: 'pia changed it in time', confirm_password: 'pia changed it in time' }, '/account/password'));
    assert.match(textOf(done.html), /Your password is changed/);
    server.advance(30);
    const after = isPage(await thief.submit(prompt, { code: totp(key, server.tessera.ctx.now()) }));
    assert.doesNotMatch(textOf(after.html), /Signed in as pia/);
    assert.equal(await signedOut(server, thief), true);
  });

  it('a tab left open on the page after the password was reset by email changes nothing', async () => {
    const ray = await server.addUser({ username: 'ray', email: 'ray@example.org' });
    const { browser, page } = await securityPage(server, ray);
    const other = new Browser(server.issuer, { 'x-forwarded-for': '198.51.100.200' });
    const forgot = isPage(await other.visit(`${server.issuer}/login/forgot-password`));
    isPage(await other.submit(forgot, { login: 'ray' }));
    const link = new RegExp(`${server.issuer.replace(/[.]/g, '\\.')}/login/reset-password\\?token=[A-Za-z0-9_-]{43}`).exec((await sink.next()).decoded)![0];
    const form = isPage(await other.visit(link));
    assert.match(textOf(isPage(await other.submit(form, { password: 'ray reset this one', password_again: 'ray reset this one' })).html), /Your password was changed/);
    // The old tab: the old password typed as the current one, and the name field.
    const stale = isPage(await browser.submit(page, { current_password: ray.password, new_password: 'ray old tab change', confirm_password: 'ray old tab change' }, '/account/password'));
    assert.match(stale.html, /name="password"/, 'the sign-in page');
    const staleName = isPage(await browser.submit(page, { name: 'Changed from the old tab' }, '/account/name'));
    assert.match(staleName.html, /name="password"/);
    assert.equal(await passwordIs(server, ray, 'ray reset this one'), true);
    assert.equal((await server.tessera.ctx.stores.users.findById(ray.sub))!.name, null);
  });

  it('a burst of "turn off" and "new backup codes" with one code: one is accepted, none fails, the state matches the answer', async () => {
    const bo = await server.addUser({ username: 'bo' });
    const { browser } = await securityPage(server, bo);
    const key = await enroll(server, browser);
    const page = isPage(await browser.visit(server.issuer + SECURITY));
    const code = totp(key, server.tessera.ctx.now());
    const answers = (
      await Promise.all(
        Array.from({ length: 8 }, (_, i) => browser.submit(page, { code }, i % 2 === 0 ? '/account/second-factor/disable' : '/account/backup-codes')),
      )
    ).map(isPage);
    for (const a of answers) assert.ok(a.status < 500, `no failure: ${a.status} ${textOf(a.html)}`);
    const turnedOff = answers.filter((a) => /Two-step verification is off/.test(textOf(a.html)));
    const renewed = answers.filter((a) => a.status === 200 && /[a-z0-9]{5}-[a-z0-9]{5}/.test(a.html) && /backup_codes_copy/.test(a.html));
    assert.equal(turnedOff.length + renewed.length, 1, `accepted: ${turnedOff.length} off, ${renewed.length} renewed`);
    const enabled = await hasSecondFactor(server.tessera.ctx, bo.sub);
    assert.equal(enabled, renewed.length === 1);
    if (enabled) assert.equal(await backupCodesLeft(server.tessera.ctx, bo.sub), 10);
  });
});
