import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startOpenIdProvider, type OpenIdMisbehaviour, type TestProvider } from '../helpers/upstream-idp.js';
import { tessera } from '../helpers/cli.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';

/** A user who signs in only through an upstream provider has no password here: deleting the account asks for a recent sign-in instead. */

const SECRET = 'acme-client-secret-with-enough-entropy-0123456789';
const LENA = { sub: 'acme-lena', username: 'lena', password: 'lena acme password', email: 'lena@acme.example', email_verified: true, name: 'Lena Acme', groups: [] };
const alert = (page: Page): string => /<p class="error" role="alert">([^<]*)<\/p>/.exec(page.html)?.[1] ?? '';

describe('deleting an account that has no password here', () => {
  let server: TestServer;
  let acme: TestProvider<OpenIdMisbehaviour>;

  before(async () => {
    server = await startTestServer({ allowAccountDeletion: true });
    acme = await startOpenIdProvider({ clients: [{ client_id: 'tessera', client_secret: SECRET, redirect_uris: [`${server.issuer}/federation/acme/callback`] }], users: [LENA] });
    const added = await tessera(['idp', 'add', 'oidc', '--name', 'acme', '--display-name', 'Acme', '--issuer', acme.issuer, '--client-id', 'tessera', '--client-secret-stdin', ...server.storeArgs], SECRET);
    assert.equal(added.code, 0, added.stderr);
  });
  after(async () => {
    await server.close();
    await acme.stop();
  });

  /** Signs in with Acme from the security page's sign-in page; the security page. */
  async function signInWithAcme(): Promise<{ browser: Browser; page: Page }> {
    const browser = new Browser(server.issuer);
    const login = isPage(await browser.visit(`${server.issuer}/account/security`));
    const href = /href="([^"]+)">Continue with Acme</.exec(login.html)?.[1]?.replace(/&amp;/g, '&') ?? assert.fail(textOf(login.html));
    const leaving = await browser.visit(new URL(href, login.url).href);
    if (!('leftTo' in leaving)) assert.fail(`expected the way to Acme: ${textOf(leaving.html)}`);
    const back = await new Browser(acme.issuer).authorize(leaving.leftTo, LENA);
    const page = isPage(await browser.visit(back.href));
    assert.match(textOf(page.html), /Security Signed in as lena/, textOf(page.html));
    return { browser, page };
  }

  it('asks no password (the page offers none to change) but a sign-in in the last 10 minutes, and the username', async () => {
    const old = await signInWithAcme();
    assert.doesNotMatch(old.page.html, /name="current_password"/, 'no password of their own: none to change or give');
    server.advance(11 * 60);
    const tooOld = isPage(await old.browser.submit(old.page, { confirm_username: 'lena' }, '/account/delete'));
    assert.equal(tooOld.status, 403);
    assert.match(alert(tooOld), /sign out and sign in again/);
    const user = await server.tessera.ctx.stores.users.findByUsername('lena');
    assert.ok(user, 'not deleted');

    const fresh = await signInWithAcme();
    const typo = isPage(await fresh.browser.submit(fresh.page, { confirm_username: 'lenaa' }, '/account/delete'));
    assert.match(alert(typo), /Type your username/);
    const gone = isPage(await fresh.browser.submit(fresh.page, { confirm_username: 'lena' }, '/account/delete'));
    assert.match(textOf(gone.html), /Your account is deleted/);
    assert.equal(await server.tessera.ctx.stores.users.findById(user.id), undefined);
    // The other browser's session went with the account.
    assert.match(isPage(await old.browser.visit(`${server.issuer}/account`)).html, /name="password"/);
  });
});
