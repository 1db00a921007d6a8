import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startMailSink, type MailSink } from '../helpers/mail-sink.js';
import { isPage, textOf, type Browser } from '../helpers/browser.js';
import { PASSWORD, browserAt, confirm, linkIn, mailFor, mailTo, verifyLinkIn } from '../helpers/signup.js';
import { inviteUser } from '../../src/core/admin/invitations.js';

/** A sign-up form opened in `browser`, ready to be posted many times at once. */
async function openForm(server: TestServer, browser: Browser, query = '') {
  return isPage(await browser.visit(`${server.issuer}/signup${query}`));
}

const post = (browser: Browser, form: Awaited<ReturnType<typeof openForm>>, username: string, email: string) =>
  browser.submit(form, { username, email, password: PASSWORD, password_again: PASSWORD }).then(isPage);

async function drain(sink: MailSink): Promise<void> {
  await sleep(600);
  while (sink.messages.length > 0) {
    try {
      await sink.next(50);
    } catch {
      return;
    }
  }
}

describe('attacks on sign-up and its links', () => {
  let sink: MailSink;
  let server: TestServer;
  const users = async () => server.tessera.ctx.stores.users.list();

  before(async () => {
    sink = await startMailSink();
    server = await startTestServer({ signup: { mode: 'open' } }, undefined, { trustProxy: true, mail: mailTo(sink.url) });
  });
  after(async () => {
    await server.close();
    await sink.stop();
  });

  it('a concurrent burst with one username (different addresses) makes exactly one account', async () => {
    const attempts = Array.from({ length: 12 }, (_, i) => ({ browser: browserAt(server), email: `racer${i}@example.org` }));
    const forms = await Promise.all(attempts.map((a) => openForm(server, a.browser)));
    const pages = await Promise.all(attempts.map((a, i) => post(a.browser, forms[i]!, 'racer', a.email)));
    assert.equal((await users()).filter((u) => u.username.toLowerCase() === 'racer').length, 1);
    assert.equal(pages.filter((p) => p.status === 200).length, 1, pages.map((p) => p.status).join(','));
    assert.ok(pages.every((p) => p.status === 200 || p.status === 409));
    await drain(sink);
  });

  it('a concurrent burst with one address (different usernames, cases) makes exactly one account, and every answer is the same', async () => {
    const attempts = Array.from({ length: 3 }, (_, i) => ({ browser: browserAt(server), username: `dup${i}`, email: i % 2 ? 'Same@Example.org' : 'same@example.org' }));
    const forms = await Promise.all(attempts.map((a) => openForm(server, a.browser)));
    const pages = await Promise.all(attempts.map((a, i) => post(a.browser, forms[i]!, a.username, a.email)));
    const holders = (await users()).filter((u) => (u.email ?? '').toLowerCase() === 'same@example.org');
    assert.equal(holders.length, 1);
    assert.ok(pages.every((p) => p.status === 200 && /Check your email/.test(textOf(p.html))));
    await drain(sink);
  });

  it('sign-ups of one address beyond its limit, in a concurrent burst: 429 with Retry-After, no more than the limit pass', async () => {
    const attempts = Array.from({ length: 8 }, (_, i) => ({ browser: browserAt(server), username: `flood${i}` }));
    const forms = await Promise.all(attempts.map((a) => openForm(server, a.browser)));
    const pages = await Promise.all(attempts.map((a, i) => post(a.browser, forms[i]!, a.username, 'flooded@example.org')));
    const limited = pages.filter((p) => p.status === 429);
    assert.equal(pages.length - limited.length, 3, pages.map((p) => p.status).join(','));
    assert.ok(limited.every((p) => Number(p.headers.get('retry-after')) > 0 && /Too many attempts/.test(textOf(p.html))));
    await sleep(600);
    assert.ok(sink.messages.filter((m) => m.to.includes('flooded@example.org')).length <= 3, 'the mailbox got at most the limit');
    await drain(sink);
  });

  it('sign-ups from one IP beyond its limit are refused (per-IP limit)', async () => {
    const ip = '203.0.113.9';
    const attempts = Array.from({ length: 24 }, (_, i) => ({ browser: browserAt(server, ip), username: `ip${i}`, email: `ip${i}@example.org` }));
    const forms = await Promise.all(attempts.map((a) => openForm(server, a.browser)));
    const pages = await Promise.all(attempts.map((a, i) => post(a.browser, forms[i]!, a.username, a.email)));
    assert.equal(pages.filter((p) => p.status === 429).length, 4);
    await drain(sink);
  });

  it('the same confirmation link used concurrently: exactly one success; replayed, expired and forged links fail', async () => {
    const browser = browserAt(server);
    await post(browser, await openForm(server, browser), 'linker', 'linker@example.org');
    const link = verifyLinkIn(await mailFor(sink, 'linker@example.org'), server);
    const openers = Array.from({ length: 10 }, () => browserAt(server));
    const pages = await Promise.all(openers.map((b) => b.visit(link).then(isPage)));
    const answers = await Promise.all(openers.map((b, i) => b.submit(pages[i]!, {}).then(isPage)));
    assert.equal(answers.filter((p) => p.status === 200).length, 1, answers.map((p) => `${p.status} ${textOf(p.html).slice(0, 80)}`).join(','));
    assert.equal((await confirm(browserAt(server), link)).status, 400, 'replayed');
    assert.equal((await events()).filter((e) => e.type === 'email.verified' && e.username === 'linker').length, 1);

    const forged = `${server.issuer}/login/verify-email?token=${'A'.repeat(43)}`;
    assert.equal(isPage(await browserAt(server).visit(forged)).status, 400);
    const mangled = `${server.issuer}/login/verify-email?token=<script>`;
    const shown = isPage(await browserAt(server).visit(mangled));
    assert.equal(shown.status, 400);
    assert.doesNotMatch(shown.html, /<script>/);

    await post(browser, await openForm(server, browser), 'late', 'late@example.org');
    const late = verifyLinkIn(await mailFor(sink, 'late@example.org'), server);
    server.advance(24 * 3600 + 1);
    assert.equal((await confirm(browserAt(server), late)).status, 400, 'expired after 24 hours');
    assert.equal((await server.tessera.ctx.stores.users.findByUsername('late'))?.emailVerified, false);
  });

  it('a form posted without its token, or from another browser, makes nothing', async () => {
    const browser = browserAt(server);
    const form = await openForm(server, browser);
    const thief = browserAt(server);
    const stolen = isPage(await thief.submit(form, { username: 'csrf', email: 'csrf@example.org', password: PASSWORD, password_again: PASSWORD }));
    assert.equal(stolen.status, 403);
    assert.equal(await server.tessera.ctx.stores.users.findByUsername('csrf'), undefined);
  });

  async function events() {
    return server.tessera.ctx.stores.audit.list({ limit: 500 });
  }
});

describe('attacks on domain and invitation sign-up', () => {
  let sink: MailSink;
  before(async () => {
    sink = await startMailSink();
  });
  after(async () => sink.stop());

  it('domain mode: tricks with @, case, subdomains and suffixes get no account', async () => {
    const server = await startTestServer({ signup: { mode: 'domain', domains: ['example.com'] } }, undefined, { trustProxy: true, mail: mailTo(sink.url) });
    try {
      const tricks = ['evil.com@example.com@evil.com', 'example.com@evil.com', 'x@example.com.evil.com', 'x@sub.example.com', 'x@evil-example.com', 'x@EXAMPLE.COM.', 'x@example.co'];
      for (const [i, email] of tricks.entries()) {
        const browser = browserAt(server);
        const page = await post(browser, await openForm(server, browser), `trick${i}`, email);
        assert.ok(page.status === 400, `${email}: ${page.status}`);
      }
      assert.equal((await server.tessera.ctx.stores.users.list()).length, 0);
      // The local part may look like a domain: the domain is what follows the only @.
      const browser = browserAt(server);
      const ok = await post(browser, await openForm(server, browser), 'lookalike', 'evil.com@EXAMPLE.com');
      assert.equal(ok.status, 200);
      assert.ok(await server.tessera.ctx.stores.users.findByUsername('lookalike'));
      await mailFor(sink, 'evil.com@example.com');
    } finally {
      await server.close();
    }
  });

  it('invitation: used once, also by a concurrent burst; a forged or reused one signs nobody up', async () => {
    const server = await startTestServer({ signup: { mode: 'invite' } }, undefined, { trustProxy: true, mail: mailTo(sink.url) });
    try {
      const ctx = server.tessera.ctx;
      await inviteUser({ stores: ctx.stores, pepper: ctx.pepper, now: ctx.now(), actor: 'cli', audit: (e) => ctx.audit.record({ ...e, actor: 'cli' }) }, { mail: ctx.mail, issuer: server.issuer }, 'invitee@example.org');
      const link = linkIn(await mailFor(sink, 'invitee@example.org'), server, '/signup', 'invitation');
      const query = link.slice(link.indexOf('?'));
      const browsers = Array.from({ length: 8 }, () => browserAt(server));
      const forms = await Promise.all(browsers.map((b) => openForm(server, b, query)));
      const pages = await Promise.all(browsers.map((b, i) => post(b, forms[i]!, `invitee${i}`, 'invitee@example.org')));
      assert.equal((await ctx.stores.users.list()).length, 1, pages.map((p) => p.status).join(','));
      const reused = isPage(await browserAt(server).visit(link));
      assert.equal(reused.status, 400);
      const forged = isPage(await browserAt(server).visit(`${server.issuer}/signup?invitation=${'B'.repeat(43)}`));
      assert.equal(forged.status, 400);
      // A form of a valid page with another invitation token typed in: refused, nothing made.
      await inviteUser({ stores: ctx.stores, pepper: ctx.pepper, now: ctx.now(), actor: 'cli', audit: (e) => ctx.audit.record({ ...e, actor: 'cli' }) }, { mail: ctx.mail, issuer: server.issuer }, 'second@example.org');
      await mailFor(sink, 'second@example.org');
      const browser = browserAt(server);
      const form = await openForm(server, browser, `?invitation=${link.slice(-43)}`);
      assert.equal(form.status, 400);
      assert.equal((await ctx.stores.users.list()).length, 1);
    } finally {
      await server.close();
    }
  });
});
