import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/http.js';

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

  it("lets a user sign in with the right password after another user of the app typed 5 wrong ones for their name", async () => {
    const alice = await server.addUser({ username: 'alice' });
    for (let i = 0; i < 5; i++) await grant('alice', `mallory guesses ${i}`);
    const answer = await grant('alice', alice.password);
    assert.equal(answer.status, 200, `alice's right password is refused: ${answer.status} ${JSON.stringify(answer.body)}`);
  });

  it('keeps serving everyone after 50 wrong passwords for made-up names went through the app', async () => {
    const bob = await server.addUser({ username: 'bob' });
    await Promise.all(Array.from({ length: 50 }, (_, i) => grant(`nobody${i}`, 'a wrong password')));
    const answer = await grant('bob', bob.password);
    assert.equal(answer.status, 200, `bob's right password is refused: ${answer.status} ${JSON.stringify(answer.body)}`);
  });
});
