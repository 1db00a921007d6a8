import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Browser, isPage, textOf, type Page } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SoftwareAuthenticator, type CeremonyOptions } from '../helpers/software-authenticator.js';
import { passkeyOptions, postPasskey, registerPasskey, securityPageAfterPassword } from '../helpers/passkey-flows.js';

/** Attacks on the passkey endpoints: each must be refused with a clear answer, never a 500 nor a session. */
describe('attacks on passkeys', () => {
  let server: TestServer;
  let alice: { sub: string; username: string; password: string };
  let bob: { sub: string; username: string; password: string };
  let aliceKey: SoftwareAuthenticator;
  let bobKey: SoftwareAuthenticator;

  before(async () => {
    server = await startTestServer();
    alice = await server.addUser({ username: 'alice' });
    bob = await server.addUser({ username: 'bob' });
    aliceKey = new SoftwareAuthenticator(server.issuer);
    bobKey = new SoftwareAuthenticator(server.issuer);
    for (const [user, key] of [[alice, aliceKey], [bob, bobKey]] as const) {
      const browser = new Browser(server.issuer);
      await registerPasskey(browser, await securityPageAfterPassword(server, browser, user), key);
    }
  });
  after(() => server.close());

  /** A signed-out browser on the login page of /account/security. */
  async function loginPage(): Promise<{ browser: Browser; page: Page }> {
    const browser = new Browser(server.issuer);
    return { browser, page: isPage(await browser.visit(`${server.issuer}/account/security`)) };
  }

  async function signIn(answer: (options: any) => Record<string, unknown> | string) {
    const { browser, page } = await loginPage();
    const body = answer(passkeyOptions(page, 'sign-in'));
    const response = await postPasskey(browser, page, '/login/passkey', typeof body === 'string' ? body : JSON.stringify(body));
    return { response, browser, text: textOf(await response.text()) };
  }

  const signedIn = (r: Response) => r.status === 303 && r.headers.get('location') === `${server.issuer}/account/security`;
  // Repeated failures of the same kind are stored as one event with a count.
  const failures = async (user: string, reason: string) => (await server.tessera.ctx.stores.audit.list({ user, type: 'login.failure', limit: 50 })).filter((e) => e.reason === reason).reduce((n, e) => n + ((e as { count?: number }).count ?? 1), 0);

  it('a burst replaying one assertion of one challenge signs in exactly once', async () => {
    const { browser, page } = await loginPage();
    const assertion = JSON.stringify(aliceKey.get(passkeyOptions(page, 'sign-in') as never));
    const answers = await Promise.all(Array.from({ length: 12 }, () => postPasskey(browser, page, '/login/passkey', assertion)));
    assert.equal(answers.filter(signedIn).length, 1);
    for (const r of answers.filter((a) => !signedIn(a))) {
      assert.equal(r.status, 400);
      assert.match(textOf(await r.text()), /expired or was already used/);
    }
  });

  it("an assertion by Bob's key naming Alice's user handle is refused", async () => {
    // Audited under the owner of the key that signed it.
    const before = await failures(bob.sub, 'passkey:wrong_user');
    const { response, text } = await signIn((o) => bobKey.get(o, { userHandle: aliceKey.credentials[0]!.userHandle }));
    assert.equal(response.status, 400);
    assert.match(text, /not registered for this account/);
    assert.equal(await failures(bob.sub, 'passkey:wrong_user'), before + 1);
  });

  it("at Alice's second factor, Bob's passkey is refused (the challenge is hers)", async () => {
    const strict = await server.addClient({ name: 'Strict', type: 'public', tokenEndpointAuthMethod: 'none', redirectUris: ['https://strict.example/cb'], scopes: ['openid'], requireMfa: true });
    const browser = new Browser(server.issuer);
    const url = `${server.issuer}/authorize?client_id=${strict.clientId}&response_type=code&redirect_uri=${encodeURIComponent('https://strict.example/cb')}&scope=openid&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`;
    const login = isPage(await browser.visit(url));
    const factor = isPage(await browser.submit(login, { username: alice.username, password: alice.password }));
    const response = await postPasskey(browser, factor, '/login/second-factor', JSON.stringify(bobKey.get(passkeyOptions(factor, 'second-factor') as never)));
    assert.equal(response.status, 400);
    assert.match(textOf(await response.text()), /not registered for this account/);
    const [event] = await server.tessera.ctx.stores.audit.list({ user: alice.sub, type: 'mfa.failure', limit: 1 });
    assert.equal(event?.reason, 'passkey:wrong_user');
  });

  const refusedAs = (name: string, o: CeremonyOptions) =>
    it(`${name} is refused`, async () => {
      const { response, text } = await signIn((options) => aliceKey.get(options, o));
      assert.equal(response.status, 400);
      assert.match(text, /could not be checked/);
    });
  refusedAs('an assertion for another origin (clientDataJSON)', { origin: 'https://evil.example' });
  refusedAs('an assertion for another RP ID (rpIdHash)', { rpId: 'evil.example' });
  refusedAs('an assertion without user verification', { noUserVerification: true });

  it('an expired challenge is refused', async () => {
    const { browser, page } = await loginPage();
    const assertion = JSON.stringify(aliceKey.get(passkeyOptions(page, 'sign-in') as never));
    server.advance(5 * 60 + 1);
    const response = await postPasskey(browser, page, '/login/passkey', assertion);
    assert.equal(response.status, 400);
    assert.match(textOf(await response.text()), /expired or was already used/);
  });

  it('a counter that goes back is refused and audited as a possible clone', async () => {
    const carol = await server.addUser({ username: 'carol' });
    const key = new SoftwareAuthenticator(server.issuer, 5);
    const browser = new Browser(server.issuer);
    await registerPasskey(browser, await securityPageAfterPassword(server, browser, carol), key);
    const ok = await signIn((o) => key.get(o, { counter: 10 }));
    assert.ok(signedIn(ok.response));
    const clone = await signIn((o) => key.get(o, { counter: 7 }));
    assert.equal(clone.response.status, 400);
    assert.match(clone.text, /may have been copied/);
    const same = await signIn((o) => key.get(o, { counter: 10 }));
    assert.equal(same.response.status, 400, same.text);
    assert.match(same.text, /may have been copied/);
    assert.equal(await failures(carol.sub, 'passkey:counter'), 2);
    const clones = await server.tessera.ctx.stores.audit.list({ user: carol.sub, type: 'passkey.clone_suspected', limit: 5 });
    assert.ok(clones.length >= 1);
  });

  it('an unknown credential is refused', async () => {
    const stranger = new SoftwareAuthenticator(server.issuer);
    stranger.create({ challenge: 'x', rp: { id: '127.0.0.1' }, user: { id: 'AAAA' } });
    const { response, text } = await signIn((o) => stranger.get(o));
    assert.equal(response.status, 400);
    assert.match(text, /not registered for this account/);
  });

  it('malformed answers get a 400 page, never a 500', async () => {
    const bodies: ((o: any) => string)[] = [
      () => '',
      () => 'not json',
      () => '[]',
      () => 'null',
      () => '{}',
      () => JSON.stringify({ id: 'abc', rawId: 'abc', type: 'public-key' }),
      () => JSON.stringify({ id: 'abc', rawId: 'abc', type: 'public-key', response: { clientDataJSON: '!!!' } }),
      () => JSON.stringify({ id: 'abc', rawId: 'abc', type: 'public-key', response: { clientDataJSON: Buffer.from('{').toString('base64url') } }),
      (o) => JSON.stringify({ ...aliceKey.get(o), response: { ...(aliceKey.get(o)['response'] as object), signature: '%%%' } }),
      (o) => JSON.stringify({ ...aliceKey.get(o), response: { ...(aliceKey.get(o)['response'] as object), authenticatorData: 'AAAA' } }),
      (o) => JSON.stringify({ ...aliceKey.get(o), response: { ...(aliceKey.get(o)['response'] as object), signature: 'AAAA' } }),
      (o) => JSON.stringify({ ...aliceKey.get(o), id: 'x'.repeat(3000), rawId: 'x'.repeat(3000) }),
    ];
    for (const [i, body] of bodies.entries()) {
      const { response } = await signIn(body);
      // The last is longer than a form field may be: the form itself is refused (403), before any check.
      assert.equal(response.status, i === bodies.length - 1 ? 403 : 400, `answer to ${body({ challenge: 'AAAA', rpId: '127.0.0.1' }).slice(0, 60)}`);
      assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    }
    // Without the form token: refused before anything is read.
    const { browser, page } = await loginPage();
    const forged = await browser.request(`${server.issuer}/login/passkey`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'next=%2Faccount&credential=%7B%7D' });
    assert.equal(forged.status, 403);
    void page;
    // A malformed registration is refused on the security page.
    const reg = new Browser(server.issuer);
    const security = await securityPageAfterPassword(server, reg, await server.addUser({ username: 'erin' }));
    for (const credential of ['', 'nope', '{}', JSON.stringify({ id: 'abc', rawId: 'abc', type: 'public-key', response: { clientDataJSON: 'AAAA', attestationObject: '@@' } })]) {
      const answer = await reg.request(`${server.issuer}/account/passkeys/add`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: /name="csrf" value="([^"]+)"/.exec(security.html)![1]!, credential, name: 'x' }).toString(),
      });
      assert.equal(answer.status, 400);
    }
  });

  it('a registration answering another origin or without user verification is refused', async () => {
    const dave = await server.addUser({ username: 'dave' });
    const browser = new Browser(server.issuer);
    const page = await securityPageAfterPassword(server, browser, dave);
    for (const o of [{ origin: 'https://evil.example' }, { noUserVerification: true }, { rpId: 'evil.example' }] as CeremonyOptions[]) {
      const fresh = isPage(await browser.visit(`${server.issuer}/account/security`));
      const after = await registerPasskey(browser, fresh, new SoftwareAuthenticator(server.issuer), 'Evil', o);
      assert.equal(after.status, 400);
      assert.match(textOf(after.html), /could not be checked/);
    }
    void page;
    assert.equal((await server.tessera.ctx.stores.passkeys.listByUser(dave.sub)).length, 0);
  });
});
