import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { isPage, Browser, type Page } from '../helpers/browser.js';
import { createPasswordHasher } from '../../src/core/accounts/passwords.js';
import { revokeUser } from '../../src/core/lifecycle/revoke.js';
import { buildUser } from '../../src/core/accounts/users.js';

/**
 * Writes that race each other must not undo one another (issue 16): an update changes only the
 * fields it means to, so an operator's change made while another request was in flight stays.
 */

describe('a sign-in that re-hashes the password', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('never undoes a disable that happened while argon2 ran', async () => {
    // Hashes made with older, costlier parameters: each sign-in re-hashes with the server's, after a slow check.
    const old = await createPasswordHasher({ memoryCost: 65536, timeCost: 3, parallelism: 1 });
    const { ctx } = server.tessera;
    for (let trial = 0; trial < 5; trial++) {
      const username = `rehash${trial}`;
      const password = 'a long enough password';
      const stored = await buildUser({ username, password }, old, ctx.now());
      await ctx.stores.users.create(stored);

      const browser = new Browser(server.issuer);
      const form = isPage(await browser.visit(`${server.issuer}/account`));
      const signingIn = browser.submit(form, { username, password });
      // The operator disables the user while the sign-in is checking the password.
      await sleep(15);
      await revokeUser(ctx.stores, (await ctx.stores.users.findById(stored.id))!, ctx.now(), 'disable');
      await signingIn;
      assert.equal((await ctx.stores.users.findById(stored.id))?.disabled, true, `trial ${trial}: the disable stays`);
    }
  });
});
