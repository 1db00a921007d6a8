import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Browser, isPage, textOf, type Page } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SoftwareAuthenticator } from '../helpers/software-authenticator.js';
import { passkeyOptions, postPasskey, registerPasskey, securityPageAfterPassword } from '../helpers/passkey-flows.js';
import { basic, postForm } from '../helpers/http.js';

/** A security review's attacks on passkeys, over HTTP with the software authenticator. */
function attacks(postgres: boolean) {
  describe(`passkey review attacks (${postgres ? 'PostgreSQL' : 'SQLite'})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer({}, undefined, { postgres });
    });
    after(() => server.close());

    const csrfOf = (page: Page) => /name="csrf" value="([^"]+)"/.exec(page.html)![1]!;
    const post = (browser: Browser, path: string, fields: Record<string, string>) =>
      browser.request(`${server.issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

    /** A user signed in on /account/security with `count` passkeys registered from that session. */
    async function userWithPasskeys(username: string, count: number) {
      const user = await server.addUser({ username });
      const browser = new Browser(server.issuer);
      const key = new SoftwareAuthenticator(server.issuer);
      let page = await securityPageAfterPassword(server, browser, user);
      for (let i = 0; i < count; i++) {
        page = await registerPasskey(browser, page, key, `Key ${i + 1}`);
        assert.equal(page.status, 200, textOf(page.html));
        page = isPage(await browser.visit(`${server.issuer}/account/security`));
      }
      return { user, browser, key, page };
    }

    it('a burst removing every passkey of a user without a password leaves one (the only way in)', async () => {
      const { user, browser, key, page } = await userWithPasskeys(`nopw${postgres ? 'pg' : ''}`, 3);
      // The account signs in only with passkeys (made by a provider or an operator without a password).
      await server.tessera.ctx.stores.users.update(user.sub, { passwordHash: '' }, Date.now());
      const csrf = csrfOf(page);
      // A database that answers reads slowly (a busy server): every removal reads the list before any deletes.
      const store = server.tessera.ctx.stores.passkeys;
      const listByUser = store.listByUser.bind(store);
      store.listByUser = async (id) => {
        const list = await listByUser(id);
        await new Promise((resolve) => setTimeout(resolve, 100));
        return list;
      };
      let answers: Response[];
      try {
        answers = await Promise.all(key.credentials.map((c) => post(browser, '/account/passkeys/remove', { csrf, passkey: c.id })));
      } finally {
        store.listByUser = listByUser;
      }
      for (const a of answers) assert.ok([303, 409].includes(a.status), `status ${a.status}`);
      assert.equal((await server.tessera.ctx.stores.passkeys.listByUser(user.sub)).length, 1, 'one passkey is left');
    });

    it('the password grant does not get around a passkey the user has as their second factor', async () => {
      const { user } = await userWithPasskeys(`ropc${postgres ? 'pg' : ''}`, 1);
      const app = await server.addClient({ name: 'Legacy', grantTypes: ['password'], scopes: ['openid'] });
      const answer = await postForm(`${server.issuer}/token`, { grant_type: 'password', username: user.username, password: user.password, scope: 'openid' }, basic(app.clientId, app.secret!));
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body['error'], 'invalid_grant');
    });
  });
}

attacks(false);
attacks(true);
