import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startMailSink, type MailSink, type ReceivedMail } from '../helpers/mail-sink.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { Browser, isPage, textOf, type Page } from '../helpers/browser.js';
import { buildUserWithoutPassword } from '../../src/core/accounts/users.js';

const CALLBACK = 'https://app.example.com/cb';
const NEW_PASSWORD = 'a brand new password for ada';

/** A browser from an address of its own (the server believes the test's X-Forwarded-For), so limits per IP stay apart. */
let lastOctet = 10;
const browserAt = (server: TestServer, ip = `198.51.100.${lastOctet++}`) => new Browser(server.issuer, { 'x-forwarded-for': ip });

/** The reset link in a delivered email. */
function linkIn(mail: ReceivedMail, server: TestServer): string {
  const found = new RegExp(`${server.issuer.replace(/[.]/g, '\\.')}/login/reset-password\\?token=[A-Za-z0-9_-]{43}`).exec(mail.decoded);
  assert.ok(found, `no reset link in the email: ${mail.decoded}`);
  return found[0];
}

/** Asks for a reset link on the forgot-password page, as a person would: from the login page's link. */
async function askForLink(server: TestServer, browser: Browser, login: string): Promise<Page> {
  const signIn = isPage(await browser.visit(`${server.issuer}/account`));
  const href = /<a href="([^"]+)">Forgot password\?<\/a>/.exec(signIn.html)?.[1];
  assert.ok(href, 'the login page offers "Forgot password?"');
  const form = isPage(await browser.visit(href.replace(/&amp;/g, '&')));
  assert.equal(form.status, 200);
  return isPage(await browser.submit(form, { login }));
}

/** Signs in on Tessera's own login page; true when the account page opened. */
async function signsIn(server: TestServer, browser: Browser, username: string, password: string): Promise<boolean> {
  const login = isPage(await browser.visit(`${server.issuer}/account`));
  const after = isPage(await browser.submit(login, { username, password }));
  return /Signed in as/.test(after.html) && !/name="password"/.test(after.html);
}

describe('password reset by email', () => {
  let sink: MailSink;
  let server: TestServer;
  let config: client.Configuration;

  before(async () => {
    sink = await startMailSink();
    server = await startTestServer({}, undefined, { trustProxy: true, mail: { url: sink.url, from: 'Tessera <id@example.com>', allowPlain: true, pollSeconds: 0.2 } });
    const app = await server.addClient({ name: 'Notes', redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile', 'offline_access'] });
    config = await discover(server, app.clientId, app.secret);
  });
  after(async () => {
    await server.close();
    await sink.stop();
  });

  it('forgot password → email → new password: old refresh token and session dead, old password refused, lock lifted, new password signs in', async () => {
    const ada = await server.addUser({ username: 'ada', email: 'ada@example.org' });
    const appBrowser = browserAt(server);
    const { tokens } = await codeFlow(server, config, CALLBACK, 'openid offline_access', { username: 'ada', password: ada.password }, appBrowser);
    assert.ok(tokens.refresh_token);
    // Someone at one address locks ada's sign-in there with wrong passwords.
    const ip = '203.0.113.77';
    for (let i = 0; i < 6; i++) await signsIn(server, browserAt(server, ip), 'ada', 'wrong password guess');
    assert.equal(await signsIn(server, browserAt(server, ip), 'ada', ada.password), false, 'locked at that address');

    const answer = await askForLink(server, browserAt(server), 'ada@example.org');
    assert.equal(answer.status, 200);
    assert.match(textOf(answer.html), /Check your email/);
    const mail = await sink.next();
    assert.deepEqual(mail.to, ['ada@example.org']);
    assert.equal(mail.subject, 'Reset your password');
    const link = linkIn(mail, server);

    const resetter = browserAt(server);
    const form = isPage(await resetter.visit(link));
    assert.equal(form.status, 200);
    assert.match(textOf(form.html), /Choose a new password/);
    const done = isPage(await resetter.submit(form, { password: NEW_PASSWORD, password_again: NEW_PASSWORD }));
    assert.equal(done.status, 200, textOf(done.html));
    assert.match(textOf(done.html), /Your password was changed/);
    assert.match(done.html, /href="[^"]*\/account">Sign in</);

    await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token), (e: { error?: string }) => e.error === 'invalid_grant', 'the old refresh token is dead');
    assert.equal(await signsIn(server, browserAt(server), 'ada', ada.password), false, 'the old password is refused');
    assert.equal(await signsIn(server, browserAt(server, ip), 'ada', NEW_PASSWORD), true, 'the new password signs in, even at the address that was locked');
    // The browser that was signed in before the reset has to sign in again.
    const account = isPage(await appBrowser.visit(`${server.issuer}/account`));
    assert.match(account.html, /name="password"/, 'its session ended');

    const requested = await server.tessera.ctx.stores.audit.list({ type: 'password.reset_requested', user: ada.sub, limit: 10 });
    assert.equal(requested.length, 1);
    const reset = await server.tessera.ctx.stores.audit.list({ type: 'password.reset', user: ada.sub, limit: 10 });
    assert.equal(reset.length, 1);
    assert.equal(reset[0]!.outcome, 'success');
  });

  it('answers an unknown name or address, or an account without a password, exactly as a known one, and sends nothing', async () => {
    await server.addUser({ username: 'ben', email: 'ben@example.org' });
    const upstreamOnly = buildUserWithoutPassword({ username: 'cleo', email: 'cleo@example.org' }, server.tessera.ctx.now());
    await server.tessera.ctx.stores.users.create(upstreamOnly);
    const before = sink.messages.length;
    const answers = [];
    for (const login of ['nobody@example.org', 'nobody', 'cleo', 'cleo@example.org']) answers.push(await askForLink(server, browserAt(server), login));
    const known = await askForLink(server, browserAt(server), 'ben');
    for (const a of answers) {
      assert.equal(a.status, known.status);
      assert.equal(textOf(a.html), textOf(known.html), 'the same page, word for word');
    }
    const mail = await sink.next();
    assert.deepEqual(mail.to, ['ben@example.org']);
    await sleep(500);
    assert.equal(sink.messages.length, before + 1, 'only the known account with a password got mail');
  });

  it('a link works once: reused, refused; a password against the policy is refused without using the link up', async () => {
    await server.addUser({ username: 'dora', email: 'dora@example.org' });
    await askForLink(server, browserAt(server), 'dora');
    const link = linkIn(await sink.next(), server);
    const browser = browserAt(server);
    const form = isPage(await browser.visit(link));
    const weak = isPage(await browser.submit(form, { password: 'short', password_again: 'short' }));
    assert.equal(weak.status, 400);
    assert.match(textOf(weak.html), /at least 12 characters/);
    const differ = isPage(await browser.submit(form, { password: NEW_PASSWORD, password_again: `${NEW_PASSWORD}!` }));
    assert.equal(differ.status, 400);
    assert.match(textOf(differ.html), /differ/);
    const ok = isPage(await browser.submit(form, { password: NEW_PASSWORD, password_again: NEW_PASSWORD }));
    assert.match(textOf(ok.html), /Your password was changed/);
    const again = isPage(await browser.submit(form, { password: `${NEW_PASSWORD} 2`, password_again: `${NEW_PASSWORD} 2` }));
    assert.equal(again.status, 400);
    assert.match(textOf(again.html), /no longer works/);
    const reopened = isPage(await browserAt(server).visit(link));
    assert.equal(reopened.status, 400);
    assert.match(textOf(reopened.html), /no longer works/);
    assert.equal(await signsIn(server, browserAt(server), 'dora', NEW_PASSWORD), true);
  });

  it('using one link kills the other links sent before it', async () => {
    await server.addUser({ username: 'ivy', email: 'ivy@example.org' });
    await askForLink(server, browserAt(server), 'ivy');
    const first = linkIn(await sink.next(), server);
    await askForLink(server, browserAt(server), 'ivy@example.org');
    const second = linkIn(await sink.next(), server);
    assert.notEqual(first, second);
    const browser = browserAt(server);
    const form = isPage(await browser.visit(second));
    assert.match(textOf(isPage(await browser.submit(form, { password: NEW_PASSWORD, password_again: NEW_PASSWORD })).html), /Your password was changed/);
    const stale = isPage(await browserAt(server).visit(first));
    assert.equal(stale.status, 400);
    assert.match(textOf(stale.html), /no longer works/);
  });

  it('of 10 concurrent uses of one link exactly one succeeds', async () => {
    await server.addUser({ username: 'eve', email: 'eve@example.org' });
    await askForLink(server, browserAt(server), 'eve');
    const link = linkIn(await sink.next(), server);
    const browser = browserAt(server);
    const form = isPage(await browser.visit(link));
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => browser.submit(form, { password: `${NEW_PASSWORD} ${i}`, password_again: `${NEW_PASSWORD} ${i}` }).then(isPage)));
    const won = results.filter((r) => /Your password was changed/.test(r.html));
    assert.equal(won.length, 1);
    assert.ok(results.filter((r) => r !== won[0]).every((r) => r.status === 400 && /no longer works/.test(textOf(r.html))));
    const winner = results.indexOf(won[0]!);
    assert.equal(await signsIn(server, browserAt(server), 'eve', `${NEW_PASSWORD} ${winner}`), true, 'the password of the use that won is the one set');
    assert.equal((await server.tessera.ctx.stores.audit.list({ type: 'password.reset', user: (await server.tessera.ctx.stores.users.findByUsername('eve'))!.id, limit: 10 })).length, 1);
  });

  it('answers malformed requests with a clear page, never a 500', async () => {
    const browser = browserAt(server);
    const form = isPage(await browser.visit(`${server.issuer}/login/forgot-password`));
    const csrf = /name="csrf" value="([^"]+)"/.exec(form.html)![1]!;
    const post = (path: string, body: string, type = 'application/x-www-form-urlencoded') => browser.request(`${server.issuer}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
    const cases: [Promise<Response>, number, RegExp][] = [
      [browser.request(`${server.issuer}/login/reset-password?token=a&token=b`), 400, /no longer works/],
      [browser.request(`${server.issuer}/login/reset-password`), 400, /no longer works/],
      [browser.request(`${server.issuer}/login/reset-password?token=${'A'.repeat(43)}`), 400, /no longer works/],
      [post('/login/forgot-password', `csrf=${csrf}&login=a&login=b`), 403, /form was not valid/],
      [post('/login/forgot-password', `csrf=${csrf}&login=`), 400, /Enter your username or email address/],
      [post('/login/forgot-password', `csrf=${csrf}&login=${'x'.repeat(400)}`), 400, /Enter your username or email address/],
      [post('/login/forgot-password', JSON.stringify({ csrf, login: 'ada' }), 'application/json'), 403, /form was not valid/],
      [post('/login/reset-password', `csrf=${csrf}&token=nope&password=x&password_again=x`), 403, /form was not valid/],
    ];
    for (const [pending, status, text] of cases) {
      const response = await pending;
      const body = textOf(await response.text());
      assert.equal(response.status, status, body);
      assert.match(body, text);
    }
  });

  it('refuses a form without its CSRF token', async () => {
    const response = await fetch(`${server.issuer}/login/forgot-password`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'login=ada' });
    assert.equal(response.status, 403);
    assert.match(textOf(await response.text()), /form was not valid/);
    const reset = await fetch(`${server.issuer}/login/reset-password`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=x&password=y&password_again=y' });
    assert.equal(reset.status, 403);
  });

  it('limits requests per name or address, and per IP, found or not', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await askForLink(server, browserAt(server), 'zed@example.org')).status, 200);
    const limited = await askForLink(server, browserAt(server), 'zed@example.org');
    assert.equal(limited.status, 429);
    assert.match(textOf(limited.html), /Too many requests/);
    const ip = '192.0.2.200';
    for (let i = 0; i < 20; i++) assert.equal((await askForLink(server, browserAt(server, ip), `someone-${i}`)).status, 200, `request ${i}`);
    assert.equal((await askForLink(server, browserAt(server, ip), 'someone-else')).status, 429, 'the 21st from one address');
    assert.equal((await askForLink(server, browserAt(server), 'someone-else')).status, 200, 'another address may still ask');
  });

  it('refuses a link of a user disabled since it was sent', async () => {
    const jay = await server.addUser({ username: 'jay', email: 'jay@example.org' });
    await askForLink(server, browserAt(server), 'jay');
    const link = linkIn(await sink.next(), server);
    const browser = browserAt(server);
    const form = isPage(await browser.visit(link));
    const hashBefore = (await server.tessera.ctx.stores.users.findById(jay.sub))!.passwordHash;
    await server.tessera.ctx.stores.users.update(jay.sub, { disabled: true }, server.tessera.ctx.now());
    const refused = isPage(await browser.submit(form, { password: NEW_PASSWORD, password_again: NEW_PASSWORD }));
    assert.equal(refused.status, 400);
    assert.match(textOf(refused.html), /no longer works/);
    assert.equal((await server.tessera.ctx.stores.users.findById(jay.sub))?.passwordHash, hashBefore, 'the password stayed');
  });

  it('refuses a link past its 30 minutes', async () => {
    await server.addUser({ username: 'finn', email: 'finn@example.org' });
    await askForLink(server, browserAt(server), 'finn');
    const link = linkIn(await sink.next(), server);
    const browser = browserAt(server);
    const form = isPage(await browser.visit(link));
    server.advance(30 * 60 + 1);
    const late = isPage(await browser.submit(form, { password: NEW_PASSWORD, password_again: NEW_PASSWORD }));
    assert.equal(late.status, 400);
    assert.match(textOf(late.html), /no longer works/);
    assert.equal(isPage(await browserAt(server).visit(link)).status, 400);
  });
});

describe('password reset without a mail server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await server.addUser({ username: 'gus', email: 'gus@example.org' });
  });
  after(() => server.close());

  it('is not offered on the login page, and its pages say it is not available', async () => {
    const browser = new Browser(server.issuer);
    const login = isPage(await browser.visit(`${server.issuer}/account`));
    assert.match(login.html, /name="password"/);
    assert.doesNotMatch(login.html, /Forgot password/);
    for (const [method, path] of [['GET', '/login/forgot-password'], ['POST', '/login/forgot-password'], ['GET', '/login/reset-password?token=x'], ['POST', '/login/reset-password']] as const) {
      const response = await browser.request(`${server.issuer}${path}`, method === 'POST' ? { method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'login=gus' } : { method });
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.match(textOf(await response.text()), /Password reset is not available/);
    }
  });
});
