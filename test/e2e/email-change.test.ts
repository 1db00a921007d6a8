import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startMailSink, type MailSink, type ReceivedMail } from '../helpers/mail-sink.js';
import { Browser, isPage, textOf, type Page } from '../helpers/browser.js';
import { PASSWORD, browserAt, confirm, linkIn, mailTo, signIn, verifyLinkIn } from '../helpers/signup.js';

/** Signed in, on /account/security. */
async function securityPage(server: TestServer, browser: Browser, username: string): Promise<Page> {
  await signIn(server, browser, username);
  return isPage(await browser.visit(`${server.issuer}/account/security`));
}

const changeEmail = async (browser: Browser, page: Page, email: string, password = PASSWORD) => isPage(await browser.submit(page, { email, current_password: password }, '/account/email'));

describe('email change and verification on /account/security', () => {
  let sink: MailSink;
  let server: TestServer;
  const mailFor = async (address: string): Promise<ReceivedMail> => {
    const mail = await sink.next();
    assert.deepEqual(mail.to.map((t) => t.toLowerCase()), [address.toLowerCase()], mail.subject);
    return mail;
  };

  before(async () => {
    sink = await startMailSink();
    server = await startTestServer({}, undefined, { trustProxy: true, mail: mailTo(sink.url) });
  });
  after(async () => {
    await server.close();
    await sink.stop();
  });

  it('asks the current password; the new address takes effect only when its link is followed; the old address is told; reset links end', async () => {
    await server.addUser({ username: 'ada', email: 'ada@old.example', emailVerified: true, password: PASSWORD });
    const browser = browserAt(server);
    const page = await securityPage(server, browser, 'ada');
    assert.match(textOf(page.html), /Your address: ada@old\.example \(confirmed\)/);
    const wrong = await changeEmail(browser, page, 'ada@new.example', 'not the password at all');
    assert.equal(wrong.status, 400);
    assert.match(textOf(wrong.html), /current password is not right/);

    // A reset link sent to the old address before the change.
    const resetter = browserAt(server);
    const forgot = isPage(await resetter.visit(`${server.issuer}/login/forgot-password`));
    await resetter.submit(forgot, { login: 'ada' });
    const resetLink = linkIn(await mailFor('ada@old.example'), server, '/login/reset-password');

    const asked = await changeEmail(browser, page, 'ada@new.example');
    assert.equal(asked.status, 200);
    assert.match(textOf(asked.html), /We sent a link to ada@new\.example/);
    assert.equal((await server.tessera.ctx.stores.users.findByUsername('ada'))?.email, 'ada@old.example', 'nothing changes yet');
    const link = verifyLinkIn(await mailFor('ada@new.example'), server);
    const done = await confirm(browserAt(server), link);
    assert.equal(done.status, 200);
    assert.match(textOf(done.html), /Your account now uses ada@new\.example/);
    const ada = await server.tessera.ctx.stores.users.findByUsername('ada');
    assert.equal(ada?.email, 'ada@new.example');
    assert.equal(ada?.emailVerified, true);
    const notice = await mailFor('ada@old.example');
    assert.match(notice.subject, /email address of your Tessera account was changed/);
    assert.match(notice.decoded, /a\*\*\*@new\.example/);
    assert.doesNotMatch(notice.decoded, /verify-email\?token/);
    // The reset link that went to the old address no longer works.
    assert.equal(isPage(await browserAt(server).visit(resetLink)).status, 400);
    assert.equal((await confirm(browserAt(server), link)).status, 400, 'the link worked once');
  });

  it('a second change request replaces the first: only the newest link works', async () => {
    await server.addUser({ username: 'bob', email: 'bob@example.org', emailVerified: true, password: PASSWORD });
    const browser = browserAt(server);
    const page = await securityPage(server, browser, 'bob');
    await changeEmail(browser, page, 'bob@first.example');
    const first = verifyLinkIn(await mailFor('bob@first.example'), server);
    await changeEmail(browser, page, 'bob@second.example');
    const second = verifyLinkIn(await mailFor('bob@second.example'), server);
    assert.equal((await confirm(browserAt(server), first)).status, 400);
    assert.equal((await server.tessera.ctx.stores.users.findByUsername('bob'))?.email, 'bob@example.org');
    assert.equal((await confirm(browserAt(server), second)).status, 200);
    assert.equal((await server.tessera.ctx.stores.users.findByUsername('bob'))?.email, 'bob@second.example');
    await mailFor('bob@example.org');
  });

  it('"verify your email" for an unconfirmed address', async () => {
    await server.addUser({ username: 'cy', email: 'cy@example.org', password: PASSWORD });
    const browser = browserAt(server);
    const page = await securityPage(server, browser, 'cy');
    assert.match(textOf(page.html), /\(not confirmed\)/);
    const sent = isPage(await browser.submit(page, {}, '/account/email/verify'));
    assert.match(textOf(sent.html), /We sent a confirmation link/);
    assert.equal((await confirm(browserAt(server), verifyLinkIn(await mailFor('cy@example.org'), server))).status, 200);
    const after = isPage(await browser.visit(`${server.issuer}/account/security`));
    assert.match(textOf(after.html), /\(confirmed\)/);
    assert.doesNotMatch(after.html, /account\/email\/verify/);
  });

  it('an address another account uses: the requester is not told; the link cannot complete and changes nothing', async () => {
    await server.addUser({ username: 'eve', email: 'eve@example.org', emailVerified: true, password: PASSWORD });
    await server.addUser({ username: 'victim', email: 'victim@example.org', emailVerified: true });
    const browser = browserAt(server);
    const page = await securityPage(server, browser, 'eve');
    const asked = await changeEmail(browser, page, 'VICTIM@example.org');
    assert.equal(asked.status, 200, 'the same answer as for a free address');
    assert.match(textOf(asked.html), /We sent a link to VICTIM@example\.org/);
    const link = verifyLinkIn(await mailFor('victim@example.org'), server);
    const refused = await confirm(browserAt(server), link);
    assert.equal(refused.status, 409);
    assert.match(textOf(refused.html), /cannot be used/);
    assert.equal((await server.tessera.ctx.stores.users.findByUsername('eve'))?.email, 'eve@example.org');
  });

  it('the mails of a change are in the language the user chose (their locale), else in the language of their browser', async () => {
    const lena = await server.addUser({ username: 'lena', email: 'lena@old.example', emailVerified: true, password: PASSWORD });
    await server.tessera.ctx.stores.users.update(lena.sub, { locale: 'es' }, server.tessera.ctx.now());
    const german = new Browser(server.issuer, { 'x-forwarded-for': '198.51.100.251', 'accept-language': 'de' });
    const page = await securityPage(server, german, 'lena');
    await changeEmail(german, page, 'lena@new.example');
    const spanish = await mailFor('lena@new.example');
    assert.match(spanish.decoded, /El enlace funciona una vez/, spanish.decoded);
    assert.doesNotMatch(spanish.decoded, /Der Link/);

    // Without a chosen language, the browser's: German.
    await server.tessera.ctx.stores.users.update(lena.sub, { locale: null }, server.tessera.ctx.now());
    const again = await securityPage(server, german, 'lena');
    await changeEmail(german, again, 'lena@newer.example');
    const mail = await mailFor('lena@newer.example');
    assert.match(mail.decoded, /Der Link/, mail.decoded);
  });
});
