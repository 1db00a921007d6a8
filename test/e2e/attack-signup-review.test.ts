import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startMailSink, type MailSink } from '../helpers/mail-sink.js';
import { Browser, isPage, textOf, type Page } from '../helpers/browser.js';
import { PASSWORD, browserAt, confirm, mailFor, mailTo, signIn, signUp, verifyLinkIn } from '../helpers/signup.js';
import { SoftwareAuthenticator } from '../helpers/software-authenticator.js';
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
