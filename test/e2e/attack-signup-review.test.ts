import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startMailSink, type MailSink } from '../helpers/mail-sink.js';
import { Browser, isPage, textOf, type Page } from '../helpers/browser.js';
import { PASSWORD, browserAt, confirm, mailFor, mailTo, signIn, signUp, verifyLinkIn } from '../helpers/signup.js';
import { SoftwareAuthenticator } from '../helpers/software-authenticator.js';
import { updateUser } from '../../src/core/admin/users.js';
import { passkeyOptions, postPasskey, registerPasskey, securityPageAfterPassword } from '../helpers/passkey-flows.js';

/** Signed in, on /account/security. */
async function securityPage(server: TestServer, browser: Browser, username: string): Promise<Page> {
  await signIn(server, browser, username);
  return isPage(await browser.visit(`${server.issuer}/account/security`));
}

describe('review attacks on sign-up, verification and email change (--require-verified-email)', () => {
  let sink: MailSink;
  let server: TestServer;
  const users = async () => server.tessera.ctx.stores.users.list();

  before(async () => {
    sink = await startMailSink();
    server = await startTestServer({ signup: { mode: 'open' }, requireVerifiedEmail: true }, undefined, { trustProxy: true, mail: mailTo(sink.url) });
  });
  after(async () => {
    await server.close();
    await sink.stop();
  });

  it('a passkey sign-in of an account whose address is unconfirmed does not finish signing in', async () => {
    const user = await server.addUser({ username: 'keyholder', email: 'keyholder@example.org', emailVerified: true, password: PASSWORD });
    const key = new SoftwareAuthenticator(server.issuer);
    const browser = new Browser(server.issuer);
    const added = await registerPasskey(browser, await securityPageAfterPassword(server, browser, user), key);
    assert.equal(added.status, 200, textOf(added.html));
    // The operator changes the address (tessera user update --email): it is unconfirmed now.
    await server.tessera.ctx.stores.users.update(user.sub, { email: 'keyholder@other.example', emailVerified: false }, server.tessera.ctx.now());

    // With the password: refused until the address is confirmed.
    const byPassword = await signIn(server, new Browser(server.issuer), 'keyholder');
    assert.equal(byPassword.status, 403);

    // With the passkey: the same.
    const fresh = new Browser(server.issuer);
    const login = isPage(await fresh.visit(`${server.issuer}/account/security`));
    const response = await postPasskey(fresh, login, '/login/passkey', JSON.stringify(key.get(passkeyOptions(login, 'sign-in') as never)));
    const body = textOf(await response.text());
    assert.notEqual(response.status, 303, `signed in by passkey: ${response.headers.get('location')}`);
    assert.equal(response.status, 403, body);
    assert.match(body, /Confirm your email address first/);
    const after = isPage(await fresh.visit(`${server.issuer}/account/security`));
    assert.doesNotMatch(after.html, /Signed in as/);
  });

  it('an address that has an account in another case (non-ASCII capitals) is not given a second account', async () => {
    await server.addUser({ username: 'elise', email: 'ÉLISE@example.org', emailVerified: true, password: PASSWORD });
    const page = await signUp(browserAt(server), `${server.issuer}/signup`, { username: 'elise2', email: 'élise@example.org' });
    assert.equal(page.status, 200);
    assert.match(textOf(page.html), /Check your email/);
    const holders = (await users()).filter((u) => (u.email ?? '').toLowerCase() === 'élise@example.org');
    assert.deepEqual(holders.map((u) => u.username), ['elise']);
    await sleep(300);
  });

  it('an email change to an address held in another case (non-ASCII capitals) is refused when its link is followed', async () => {
    await server.addUser({ username: 'zoe', email: 'ZOË@example.org', emailVerified: true, password: PASSWORD });
    await server.addUser({ username: 'yann', email: 'yann@example.org', emailVerified: true, password: PASSWORD });
    const browser = browserAt(server);
    const page = await securityPage(server, browser, 'yann');
    const seen = sink.messages.length;
    const asked = isPage(await browser.submit(page, { email: 'zoë@example.org', current_password: PASSWORD }, '/account/email'));
    assert.equal(asked.status, 200, textOf(asked.html));
    const link = verifyLinkIn(await mailFor(sink, 'zoë@example.org', seen), server);
    const done = await confirm(browserAt(server), link);
    assert.equal(done.status, 409, textOf(done.html));
    assert.equal((await server.tessera.ctx.stores.users.findByUsername('yann'))?.email, 'yann@example.org');
  });
});

describe('review attacks: an email change racing a sign-up with the same address', () => {
  let sink: MailSink;
  let server: TestServer;

  before(async () => {
    sink = await startMailSink();
    server = await startTestServer({ signup: { mode: 'open' } }, undefined, { trustProxy: true, mail: mailTo(sink.url), postgres: process.env['TESSERA_TEST_POSTGRES_URL'] !== undefined || process.env['TESSERA_TEST_STORE'] === 'postgres' });
  });
  after(async () => {
    await server.close();
    await sink.stop();
  });

  it('of a confirmed email change and a sign-up arriving together for one address, at most one account ends up with it', async () => {
    const rounds = 16;
    const prepared = await Promise.all(
      Array.from({ length: rounds }, async (_, i) => {
        const target = `contested${i}@example.org`;
        await server.addUser({ username: `mover${i}`, email: `mover${i}@example.org`, emailVerified: true, password: PASSWORD });
        const browser = browserAt(server, `192.0.2.${i + 1}`);
        const page = await securityPage(server, browser, `mover${i}`);
        const asked = isPage(await browser.submit(page, { email: target, current_password: PASSWORD }, '/account/email'));
        assert.equal(asked.status, 200, textOf(asked.html));
        return { target, browser };
      }),
    );
    const links = await Promise.all(prepared.map(async (p) => verifyLinkIn(await mailFor(sink, p.target), server)));
    // The confirm pages and the sign-up forms, opened before the burst.
    const forms = await Promise.all(prepared.map(async (_, i) => {
      const browser = browserAt(server, `198.18.0.${i + 1}`);
      return { browser, form: isPage(await browser.visit(`${server.issuer}/signup`)) };
    }));
    const confirmBrowsers = await Promise.all(links.map(async (link) => {
      const browser = browserAt(server);
      return { browser, page: isPage(await browser.visit(link)) };
    }));
    await Promise.all(
      prepared.flatMap((p, i) => [
        forms[i]!.browser.submit(forms[i]!.form, { username: `claimer${i}`, email: p.target, password: PASSWORD, password_again: PASSWORD }),
        // The sign-up hashes its password first: the confirmations are spread across that time.
        sleep(i * 8).then(() => confirmBrowsers[i]!.browser.submit(confirmBrowsers[i]!.page, {})),
      ]),
    );
    const all = await server.tessera.ctx.stores.users.list();
    for (const p of prepared) {
      const holders = all.filter((u) => (u.email ?? '').toLowerCase() === p.target);
      assert.ok(holders.length <= 1, `${p.target} is held by ${holders.map((u) => u.username).join(', ')}`);
    }
    await sleep(300);
  });

  it('a claim left by a deleted account, or by one that moved to another address, does not block the address for good', async () => {
    const users = server.tessera.ctx.stores.users;
    const first = await signUp(browserAt(server), `${server.issuer}/signup`, { username: 'leaver', email: 'Left@example.org' });
    assert.equal(first.status, 200);
    const leaver = await users.findByUsername('leaver');
    assert.ok(leaver);
    await users.delete(leaver.id);
    server.advance(61);
    await signUp(browserAt(server), `${server.issuer}/signup`, { username: 'comer', email: 'left@example.org' });
    const comer = await users.findByUsername('comer');
    assert.equal(comer?.email, 'left@example.org', 'the address of a deleted account can be signed up with again');

    // The account moves to another address (its link followed): the old address is free again.
    await users.update(comer.id, { email: 'elsewhere@example.org', emailVerified: true }, server.tessera.ctx.now());
    server.advance(61);
    await signUp(browserAt(server), `${server.issuer}/signup`, { username: 'third', email: 'LEFT@example.org' });
    assert.equal((await users.findByUsername('third'))?.email, 'LEFT@example.org');
    await sleep(300);
  });

  it("a sign-up's confirmation link, followed after an operator changed the address, neither confirms nor moves the address back", async () => {
    const seen = sink.messages.length;
    await signUp(browserAt(server), `${server.issuer}/signup`, { username: 'drifter', email: 'drifter@first.example' });
    const link = verifyLinkIn(await mailFor(sink, 'drifter@first.example', seen), server);
    const ctx = server.tessera.ctx;
    // The operator sets another address (tessera user update drifter --email …).
    await updateUser({ stores: ctx.stores, pepper: ctx.pepper, now: ctx.now(), actor: 'cli', audit: (e) => ctx.audit.record({ ...e, actor: 'cli' }) }, 'drifter', { email: 'drifter@second.example' });
    const done = await confirm(browserAt(server), link);
    assert.equal(done.status, 400, textOf(done.html));
    const drifter = await ctx.stores.users.findByUsername('drifter');
    assert.equal(drifter?.email, 'drifter@second.example');
    assert.equal(drifter?.emailVerified, false);
    await sleep(300);
  });

  it('huge and malformed fields get a 4xx page, never a 500', async () => {
    const cases: Record<string, string>[] = [
      { username: 'huge1', email: `${'a'.repeat(3_000_000)}@example.org` },
      { username: 'x'.repeat(200_000), email: 'huge2@example.org' },
      { username: 'twoat', email: 'a@b@example.org' },
      { username: 'nul', email: 'nul\u0000@example.org' },
      { username: 'ünicode', email: 'unicode@example.org' },
      { username: 'idn', email: 'ü@bücher.example' },
      { username: 'spaces', email: ' \u00a0spaced@example.org\u2003' },
      { username: 'rtl', email: 'rtl\u202e@example.org' },
      { username: 'lone', email: 'lone\ud800@example.org' },
      { username: '', email: '' },
    ];
    for (const fields of cases) {
      const browser = browserAt(server);
      const form = isPage(await browser.visit(`${server.issuer}/signup`));
      const page = isPage(await browser.submit(form, { ...fields, password: PASSWORD, password_again: PASSWORD }));
      assert.ok(page.status < 500, `${page.status} for ${JSON.stringify(fields).slice(0, 80)}: ${textOf(page.html).slice(0, 200)}`);
    }
    // Repeated fields and parameters.
    const browser = browserAt(server);
    const form = isPage(await browser.visit(`${server.issuer}/signup?interaction=a&interaction=b&invitation=x&invitation=y`));
    assert.ok(form.status < 500, String(form.status));
  });

  it('a concurrent burst of email-change requests sends no more links than the limit (3 an hour per account)', async () => {
    await server.addUser({ username: 'burster', email: 'burster@example.org', emailVerified: true, password: PASSWORD });
    const browser = browserAt(server, '192.0.2.200');
    const page = await securityPage(server, browser, 'burster');
    const seen = sink.messages.length;
    const pages = await Promise.all(Array.from({ length: 10 }, (_, i) => browser.submit(page, { email: `burst${i}@example.org`, current_password: PASSWORD }, '/account/email').then(isPage)));
    const sent = pages.filter((p) => p.status === 200).length;
    assert.equal(sent, 3, pages.map((p) => p.status).join(','));
    assert.ok(pages.every((p) => p.status === 200 || p.status === 429));
    await sleep(800);
    assert.ok(sink.messages.slice(seen).filter((m) => m.to.some((t) => t.startsWith('burst'))).length <= 3);
  });

  it('an address with markup is shown as text on the pages', async () => {
    const evil = '<img/src=x/onerror=alert(1)>@example.org';
    const page = await signUp(browserAt(server), `${server.issuer}/signup`, { username: 'marked', email: evil });
    assert.doesNotMatch(page.html, /<img\/src/, 'the check-your-email page');
    const failed = await signUp(browserAt(server), `${server.issuer}/signup`, { username: 'marked2', email: `${evil}x`, again: 'another long password' });
    assert.doesNotMatch(failed.html, /<img\/src/, 'the form typed back');

    // The account page names the address a change link went to.
    await server.addUser({ username: 'noticed', email: 'noticed@example.org', emailVerified: true, password: PASSWORD });
    const browser = browserAt(server, '192.0.2.201');
    const security = await securityPage(server, browser, 'noticed');
    const target = 'n@<b>bold</b><a/href=//evil.example>x';
    const asked = isPage(await browser.submit(security, { email: target, current_password: PASSWORD }, '/account/email'));
    assert.doesNotMatch(asked.html, /<b>bold/);
  });

  it('forms posted without their token (cross-site) change nothing: sign-up, email change, confirmation, resend', async () => {
    await server.addUser({ username: 'forged', email: 'forged@example.org', emailVerified: true, password: PASSWORD });
    const browser = browserAt(server, '192.0.2.202');
    await securityPage(server, browser, 'forged');
    const post = (path: string, fields: Record<string, string>) =>
      browser.request(`${server.issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }, body: new URLSearchParams(fields).toString() });
    const answers = await Promise.all([
      post('/signup', { username: 'csrfed', email: 'csrfed@example.org', password: PASSWORD, password_again: PASSWORD }),
      post('/account/email', { email: 'csrfed2@example.org', current_password: PASSWORD }),
      post('/login/verify-email', { token: 'a'.repeat(43) }),
      post('/login/verify-email/resend', { user: (await server.tessera.ctx.stores.users.findByUsername('forged'))!.id }),
    ]);
    for (const a of answers) assert.ok(a.status === 403 || a.status === 400, `${a.url}: ${a.status}`);
    assert.equal(await server.tessera.ctx.stores.users.findByUsername('csrfed'), undefined);
    assert.equal((await server.tessera.ctx.stores.users.findByUsername('forged'))?.email, 'forged@example.org');
  });
});
