import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/http.js';
import { Browser, type Page } from '../helpers/browser.js';

/**
 * Attack (review of issues 15/16): the password grant counts failures per username + *the
 * requester's address*, but its requester is the first-party app's server, the same address for
 * every user of the app. So any user of the app (or anyone who can type into its login form)
 * locks any other user out of it with 5 wrong passwords, and 50 wrong passwords for random names
 * lock *everyone* out of it, valid passwords included (DESIGN.md §6: "A request with valid
 * credentials is never refused because strangers failed"). There is no device cookie to fall back on.
 */

describe('strangers cannot lock users out of the password grant', () => {
  let server: TestServer;
  let legacy: { clientId: string; secret?: string };
  /** Every request comes from the app's server: one address, as it is in production. */
  const appServer = { 'x-forwarded-for': '192.0.2.10' };
  const grant = (username: string, password: string) =>
    postForm(`${server.issuer}/token`, { grant_type: 'password', username, password, scope: 'openid' }, { ...basic(legacy.clientId, legacy.secret!), ...appServer });

  before(async () => {
    // The defaults: 5 per username+IP, 20 per username, 50 per IP.
    server = await startTestServer({ signInLimits: { perPair: 5, perSubject: 20, perIp: 50, delayMs: 1 } }, undefined, { trustProxy: true });
    legacy = await server.addClient({ name: 'Legacy intranet', grantTypes: ['password'], scopes: ['openid'] });
  });
  after(() => server.close());

  it("locks a username only for the app strangers guessed it through: the user still signs in in a browser", async () => {
    // The password grant cannot tell the app's users apart (every request comes from the app's
    // server), so guesses through the app lock that username for that app (docs/security.md). The lock
    // goes no further: the browser sign-in, with its own address and device cookie, is not counted with it.
    const alice = await server.addUser({ username: 'alice' });
    for (let i = 0; i < 5; i++) await grant('alice', `mallory guesses ${i}`);
    assert.equal((await grant('alice', alice.password)).status, 429);
    const browser = new Browser(server.issuer, { 'x-forwarded-for': '198.51.100.7' });
    const page = await browser.submit((await browser.visit(`${server.issuer}/account`)) as Page, { username: 'alice', password: alice.password });
    assert.ok(!('leftTo' in page) && /Your account/.test(page.html));
  });

  it('keeps serving everyone after 50 wrong passwords for made-up names went through the app', async () => {
    const bob = await server.addUser({ username: 'bob' });
    await Promise.all(Array.from({ length: 50 }, (_, i) => grant(`nobody${i}`, 'a wrong password')));
    const answer = await grant('bob', bob.password);
    assert.equal(answer.status, 200, `bob's right password is refused: ${answer.status} ${JSON.stringify(answer.body)}`);
  });
});
