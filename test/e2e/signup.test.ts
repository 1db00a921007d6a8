import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startMailSink, type MailSink } from '../helpers/mail-sink.js';
import { Browser, isPage, textOf } from '../helpers/browser.js';
import { PASSWORD, browserAt, confirm, linkIn, mailTo, signIn, signUp, signedIn, verifyLinkIn } from '../helpers/signup.js';
import { inviteUser } from '../../src/core/admin/invitations.js';

/** The audit events of a type, newest first. */
const events = async (server: TestServer, type: string) => (await server.tessera.ctx.stores.audit.list({ type: type as never, limit: 50 } as never)).filter((e) => e.type === type);

describe('sign-up, open, with --require-verified-email', () => {
  let sink: MailSink;
  let server: TestServer;

  before(async () => {
    sink = await startMailSink();
    server = await startTestServer({ signup: { mode: 'open' }, requireVerifiedEmail: true }, undefined, { trustProxy: true, mail: mailTo(sink.url) });
  });
  after(async () => {
    await server.close();
    await sink.stop();
  });

  it('the login page offers "Create an account"; sign-up → mail → confirm → sign in; no sign-in before confirming', async () => {
    const browser = browserAt(server);
    const login = isPage(await browser.visit(`${server.issuer}/account`));
    const href = /<a href="([^"]+)">Create an account<\/a>/.exec(login.html)?.[1];
    assert.ok(href, 'the login page links to sign-up');
    const done = await signUp(browser, href.replace(/&amp;/g, '&'), { username: 'grace', email: 'grace@example.org' });
    assert.equal(done.status, 200);
    assert.match(textOf(done.html), /Check your email/);
    const mail = await sink.next();
    assert.deepEqual(mail.to, ['grace@example.org']);
    assert.match(mail.subject, /Confirm your email address/);
    const user = await server.tessera.ctx.stores.users.findByUsername('grace');
    assert.ok(user);
    assert.equal(user.emailVerified, false);

    const before = await signIn(server, browserAt(server), 'grace');
    assert.equal(before.status, 403);
    assert.match(textOf(before.html), /Confirm your email address first/);
    assert.equal(signedIn(before), false);

    const confirmed = await confirm(browserAt(server), verifyLinkIn(mail, server));
    assert.equal(confirmed.status, 200);
    assert.match(textOf(confirmed.html), /Your email address is confirmed/);
    assert.equal((await server.tessera.ctx.stores.users.findByUsername('grace'))?.emailVerified, true);
    assert.ok(signedIn(await signIn(server, browserAt(server), 'grace')));
    assert.equal((await events(server, 'user.signed_up')).length, 1);
    assert.equal((await events(server, 'email.verified')).length, 1);
  });

  it('the mail speaks the language of the browser that signed up (Accept-Language), with the page', async () => {
    const browser = new Browser(server.issuer, { 'x-forwarded-for': '192.0.2.77', 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' });
    const done = await signUp(browser, `${server.issuer}/signup`, { username: 'greta', email: 'greta@example.org' });
    assert.equal(done.status, 200);
    const mail = await sink.next();
    assert.deepEqual(mail.to, ['greta@example.org']);
    assert.equal(mail.subject.includes('Bestätigen Sie Ihre E-Mail-Adresse') || /=\?UTF-8\?/i.test(mail.subject), true, mail.subject);
    assert.match(mail.decoded, /Der Link funktioniert einmal, 24 Stunden lang/);
  });

  it('a mail scanner fetching the link uses nothing: only the button does', async () => {
    const browser = browserAt(server);
    await signUp(browser, `${server.issuer}/signup`, { username: 'scanned', email: 'scanned@example.org' });
    const link = verifyLinkIn(await sink.next(), server);
    for (let i = 0; i < 3; i++) assert.equal(isPage(await browserAt(server).visit(link)).status, 200);
    assert.equal((await server.tessera.ctx.stores.users.findByUsername('scanned'))?.emailVerified, false);
    assert.equal((await confirm(browserAt(server), link)).status, 200);
    assert.equal((await server.tessera.ctx.stores.users.findByUsername('scanned'))?.emailVerified, true);
  });

  it('"send the link again" from the refused sign-in: a new link works, the old one no longer; limited per account', async () => {
    await signUp(browserAt(server), `${server.issuer}/signup`, { username: 'resender', email: 'resender@example.org' });
    const first = verifyLinkIn(await sink.next(), server);
    const refused = await signIn(server, browserAt(server, '192.0.2.40'), 'resender');
    assert.equal(refused.status, 403);
    const browser = browserAt(server, '192.0.2.40');
    const page = await signIn(server, browser, 'resender');
    const again = isPage(await browser.submit(page, {}));
    assert.equal(again.status, 200);
    assert.match(textOf(again.html), /new confirmation link/);
    const second = verifyLinkIn(await sink.next(), server);
    assert.notEqual(second, first);
    assert.equal((await confirm(browserAt(server), first)).status, 400, 'the older link ended');
    // Two more are allowed in the hour (three in all), then 429 with Retry-After.
    for (let i = 0; i < 2; i++) {
      assert.equal(isPage(await browser.submit(page, {})).status, 200);
      await sink.next();
    }
    const limited = isPage(await browser.submit(page, {}));
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal((await confirm(browserAt(server), second)).status, 400, 'resent links replaced it');
  });

  it('an address that has an account: the same answer; its owner is told, no account is made', async () => {
    await server.addUser({ username: 'owner', email: 'owner@example.org', emailVerified: true });
    const page = await signUp(browserAt(server), `${server.issuer}/signup`, { username: 'intruder', email: 'Owner@Example.org' });
    assert.equal(page.status, 200);
    assert.match(textOf(page.html), /Check your email/);
    const mail = await sink.next();
    assert.deepEqual(mail.to.map((t) => t.toLowerCase()), ['owner@example.org']);
    assert.match(mail.subject, /Someone tried to sign up/);
    assert.doesNotMatch(mail.decoded, /verify-email/);
    assert.equal(await server.tessera.ctx.stores.users.findByUsername('intruder'), undefined);
    assert.equal((await events(server, 'signup.refused')).some((e) => e.reason === 'email_registered'), true);
  });

  it('a taken username is said; the password policy and the two passwords are checked; nothing is made', async () => {
    await server.addUser({ username: 'taken' });
    const taken = await signUp(browserAt(server), `${server.issuer}/signup`, { username: 'TAKEN', email: 'new1@example.org' });
    assert.equal(taken.status, 409);
    assert.match(textOf(taken.html), /The username TAKEN is taken/);
    const weak = await signUp(browserAt(server), `${server.issuer}/signup`, { username: 'weakling', email: 'new2@example.org', password: 'password1234' });
    assert.equal(weak.status, 400);
    assert.match(textOf(weak.html), /password is not accepted/);
    const differ = await signUp(browserAt(server), `${server.issuer}/signup`, { username: 'differ', email: 'new3@example.org', again: 'another long password' });
    assert.equal(differ.status, 400);
    assert.match(textOf(differ.html), /two passwords differ/);
    for (const name of ['weakling', 'differ']) assert.equal(await server.tessera.ctx.stores.users.findByUsername(name), undefined);
    await sleep(300);
    assert.equal(sink.messages.filter((m) => m.to.some((t) => /^new\d@/.test(t))).length, 0, 'no mail for refused sign-ups');
  });

  it('started from an authorization request: the confirmation page leads back into it', async () => {
    const app = await server.addClient({ name: 'Notes', redirectUris: ['https://app.example.com/cb'], grantTypes: ['authorization_code'], scopes: ['openid'] });
    const browser = browserAt(server);
    const authorize = `${server.issuer}/authorize?response_type=code&client_id=${app.clientId}&redirect_uri=${encodeURIComponent('https://app.example.com/cb')}&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&state=s1`;
    const login = isPage(await browser.visit(authorize));
    const href = /<a href="([^"]+)">Create an account<\/a>/.exec(login.html)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(href?.includes('interaction='), 'the link carries the authorization request');
    await signUp(browser, href!, { username: 'returner', email: 'returner@example.org' });
    const confirmed = await confirm(browser, verifyLinkIn(await sink.next(), server));
    const onward = /<a href="([^"]+)">Continue signing in<\/a>/.exec(confirmed.html)?.[1];
    assert.ok(onward, textOf(confirmed.html));
    const back = isPage(await browser.visit(onward!));
    assert.match(back.html, /name="password"/);
    const consent = isPage(await browser.submit(back, { username: 'returner', password: PASSWORD }));
    assert.match(consent.html, /name="decision"/);
    const done = await browser.submit(consent, { decision: 'allow' });
    assert.ok('leftTo' in done && done.leftTo.startsWith('https://app.example.com/cb?code='), JSON.stringify(done).slice(0, 300));
  });
});

describe('sign-up modes', () => {
  let sink: MailSink;
  before(async () => {
    sink = await startMailSink();
  });
  after(async () => sink.stop());

  it('off (the default): no link on the login page, /signup says so and takes nothing', async () => {
    const server = await startTestServer({}, undefined, { trustProxy: true, mail: mailTo(sink.url) });
    try {
      const login = isPage(await browserAt(server).visit(`${server.issuer}/account`));
      assert.doesNotMatch(login.html, /Create an account/);
      const page = isPage(await browserAt(server).visit(`${server.issuer}/signup`));
      assert.equal(page.status, 404);
      assert.match(textOf(page.html), /Sign-up is not available/);
    } finally {
      await server.close();
    }
  });

  it('on without a mail server: it stays off and says why', async () => {
    const server = await startTestServer({ signup: { mode: 'open' } }, undefined, { trustProxy: true });
    try {
      const login = isPage(await browserAt(server).visit(`${server.issuer}/account`));
      assert.doesNotMatch(login.html, /Create an account/);
      const page = isPage(await browserAt(server).visit(`${server.issuer}/signup`));
      assert.equal(page.status, 503);
      assert.match(textOf(page.html), /cannot send email/);
    } finally {
      await server.close();
    }
  });

  it('domain: only addresses whose domain is exactly one of those, in any case', async () => {
    const server = await startTestServer({ signup: { mode: 'domain', domains: ['example.com', 'example.net'] } }, undefined, { trustProxy: true, mail: mailTo(sink.url) });
    try {
      const url = `${server.issuer}/signup`;
      const page = isPage(await browserAt(server).visit(url));
      assert.match(textOf(page.html), /Only addresses at example\.com, example\.net/);
      for (const [i, email] of ['x@evil.com', 'x@mail.example.com', 'x@example.com.evil.org', 'x@notexample.com'].entries()) {
        const refused = await signUp(browserAt(server), url, { username: `out${i}`, email });
        assert.equal(refused.status, 400, email);
        assert.match(textOf(refused.html), /Only addresses at/);
      }
      const ok = await signUp(browserAt(server), url, { username: 'insider', email: 'In.Sider@EXAMPLE.COM' });
      assert.match(textOf(ok.html), /Check your email/);
      // (The mail library writes the domain in lower case.)
      assert.deepEqual((await sink.next()).to.map((t) => t.toLowerCase()), ['in.sider@example.com']);
      assert.ok(await server.tessera.ctx.stores.users.findByUsername('insider'));
    } finally {
      await server.close();
    }
  });

  it('invite: no sign-up without an invitation; an invitation signs up its address once', async () => {
    const server = await startTestServer({ signup: { mode: 'invite' } }, undefined, { trustProxy: true, mail: mailTo(sink.url) });
    try {
      const plain = isPage(await browserAt(server).visit(`${server.issuer}/signup`));
      assert.equal(plain.status, 403);
      assert.match(textOf(plain.html), /by invitation/);
      const ctx = server.tessera.ctx;
      await inviteUser({ stores: ctx.stores, pepper: ctx.pepper, now: ctx.now(), actor: 'cli', audit: (e) => ctx.audit.record({ ...e, actor: 'cli' }) }, { mail: ctx.mail, issuer: server.issuer }, 'guest@example.org');
      const invitation = await sink.next();
      assert.deepEqual(invitation.to, ['guest@example.org']);
      const link = linkIn(invitation, server, '/signup', 'invitation');
      const browser = browserAt(server);
      const form = isPage(await browser.visit(link));
      assert.match(form.html, /value="guest@example\.org" readonly/);
      // The address comes from the invitation, whatever the form says.
      const done = isPage(await browser.submit(form, { username: 'guest', email: 'someone.else@example.org', password: PASSWORD, password_again: PASSWORD }));
      assert.match(textOf(done.html), /Check your email/);
      assert.equal((await server.tessera.ctx.stores.users.findByUsername('guest'))?.email, 'guest@example.org');
      assert.deepEqual((await sink.next()).to, ['guest@example.org']);
      const again = isPage(await browserAt(server).visit(link));
      assert.equal(again.status, 400);
      assert.match(textOf(again.html), /invitation no longer works/);
      assert.equal((await events(server, 'invitation.created')).length, 1);
      assert.equal((await events(server, 'invitation.used')).length, 1);
    } finally {
      await server.close();
    }
  });
});
