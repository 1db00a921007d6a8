import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Browser, isPage, textOf, type Page } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SoftwareAuthenticator } from '../helpers/software-authenticator.js';
import { passkeyOptions, postPasskey, registerPasskey, securityPageAfterPassword } from '../helpers/passkey-flows.js';
import { basic, postForm } from '../helpers/http.js';
import * as client from 'openid-client';
import { startOpenIdProvider, type OpenIdMisbehaviour, type TestProvider, type UpstreamUser } from '../helpers/upstream-idp.js';
import { addProvider } from '../../src/core/admin/identity-providers.js';
import { discover } from '../helpers/oidc.js';

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

    /** A signed-out browser's login page for /account/security, with its sign-in challenge. */
    async function loginPage(browser = new Browser(server.issuer)) {
      return { browser, page: isPage(await browser.visit(`${server.issuer}/account/security`)) };
    }
    const signedIn = (r: Response) => r.status === 303 && r.headers.get('location') === `${server.issuer}/account/security`;

    it("a sign-in challenge given to one browser is refused from another (the attacker's page, the victim's key)", async () => {
      const { key } = await userWithPasskeys(`relay${postgres ? 'pg' : ''}`, 1);
      const victim = await loginPage();
      const attacker = await loginPage();
      // The assertion answers the victim's challenge; the attacker posts it with his own cookie and form.
      const assertion = JSON.stringify(key.get(passkeyOptions(victim.page, 'sign-in') as never));
      const stolen = await postPasskey(attacker.browser, attacker.page, '/login/passkey', assertion);
      assert.equal(stolen.status, 400);
      assert.match(textOf(await stolen.text()), /expired or was already used/);
      // Refused attempts took nothing from the victim: her answer still works in her browser.
      assert.ok(signedIn(await postPasskey(victim.browser, victim.page, '/login/passkey', assertion)));
    });

    it('a challenge made for one purpose does not answer another (registration, second factor, sign-in)', async () => {
      const { user, browser, key, page } = await userWithPasskeys(`purpose${postgres ? 'pg' : ''}`, 1);
      // The registration challenge of a signed-in session, answered as a sign-in assertion from the same browser.
      const asSignIn = JSON.stringify(key.get({ challenge: passkeyOptions(page, 'register')['challenge'], rpId: new URL(server.issuer).hostname }));
      const fresh = await loginPage();
      const refused = await postPasskey(fresh.browser, fresh.page, '/login/passkey', asSignIn);
      assert.equal(refused.status, 400);
      // A sign-in challenge answered at the second factor of a password sign-in (the session's own challenge is another).
      const strict = await server.addClient({ name: 'Strict', type: 'public', tokenEndpointAuthMethod: 'none', redirectUris: ['https://strict.example/cb'], scopes: ['openid'], requireMfa: true });
      const other = new Browser(server.issuer);
      const url = `${server.issuer}/authorize?client_id=${strict.clientId}&response_type=code&redirect_uri=${encodeURIComponent('https://strict.example/cb')}&scope=openid&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`;
      const authorizeLogin = isPage(await other.visit(url));
      const signInChallenge = passkeyOptions(authorizeLogin, 'sign-in');
      const factor = isPage(await other.submit(authorizeLogin, { username: user.username, password: user.password }));
      const crossed = await postPasskey(other, factor, '/login/second-factor', JSON.stringify(key.get(signInChallenge as never)));
      assert.equal(crossed.status, 400);
      assert.match(textOf(await crossed.text()), /expired or was already used/);
    });

    it("a credential id that is another user's cannot be registered again (no takeover, no second owner)", async () => {
      const alice = await userWithPasskeys(`owner${postgres ? 'pg' : ''}`, 1);
      const mallory = await userWithPasskeys(`taker${postgres ? 'pg' : ''}`, 0);
      // Mallory's authenticator makes a key of its own but names it with Alice's credential id.
      const forged = new SoftwareAuthenticator(server.issuer);
      const credential = forged.create(passkeyOptions(mallory.page, 'register') as never);
      const aliceId = alice.key.credentials[0]!.id;
      const attestation = Buffer.from((credential['response'] as { attestationObject: string }).attestationObject, 'base64url');
      const ownId = Buffer.from(forged.credentials[0]!.id, 'base64url');
      const swapped = Buffer.from(attestation.toString('hex').replace(ownId.toString('hex'), Buffer.from(aliceId, 'base64url').toString('hex')), 'hex');
      const body = { ...credential, id: aliceId, rawId: aliceId, response: { ...(credential['response'] as object), attestationObject: swapped.toString('base64url') } };
      const answer = await post(mallory.browser, '/account/passkeys/add', { csrf: csrfOf(mallory.page), name: 'Mine now', credential: JSON.stringify(body) });
      assert.equal(answer.status, 400);
      // Refused because the id is taken (the signature and attestation checked out).
      const [event] = await server.tessera.ctx.stores.audit.list({ user: mallory.user.sub, type: 'passkey.registered', limit: 1 });
      assert.equal(event?.reason, 'exists');
      const stored = await server.tessera.ctx.stores.passkeys.find(aliceId);
      assert.equal(stored?.userId, alice.user.sub);
      assert.equal((await server.tessera.ctx.stores.passkeys.listByUser(mallory.user.sub)).length, 0);
      // Alice's key still signs her in.
      const { browser, page } = await loginPage();
      assert.ok(signedIn(await postPasskey(browser, page, '/login/passkey', JSON.stringify(alice.key.get(passkeyOptions(page, 'sign-in') as never)))));
    });

    it("a disabled user's passkey, and a removed passkey, sign no one in", async () => {
      const disabled = await userWithPasskeys(`off${postgres ? 'pg' : ''}`, 1);
      await server.tessera.ctx.stores.users.update(disabled.user.sub, { disabled: true }, Date.now());
      let login = await loginPage();
      const refused = await postPasskey(login.browser, login.page, '/login/passkey', JSON.stringify(disabled.key.get(passkeyOptions(login.page, 'sign-in') as never)));
      assert.equal(refused.status, 400);
      const removed = await userWithPasskeys(`gone${postgres ? 'pg' : ''}`, 2);
      const gone = removed.key.credentials[0]!;
      assert.equal((await post(removed.browser, '/account/passkeys/remove', { csrf: csrfOf(removed.page), passkey: gone.id })).status, 303);
      login = await loginPage();
      const answer = await postPasskey(login.browser, login.page, '/login/passkey', JSON.stringify(removed.key.get(passkeyOptions(login.page, 'sign-in') as never, {}, gone)));
      assert.equal(answer.status, 400);
      assert.match(textOf(await answer.text()), /not registered for this account/);
    });

    it('a passkey name with markup is shown as text, and an over-long one is refused', async () => {
      const { user, browser, key, page } = await userWithPasskeys(`names${postgres ? 'pg' : ''}`, 1);
      const id = key.credentials[0]!.id;
      const evil = `"><img src=x onerror=alert(1)><script>x</script>'`;
      assert.equal((await post(browser, '/account/passkeys/rename', { csrf: csrfOf(page), passkey: id, name: evil })).status, 303);
      const shown = isPage(await browser.visit(`${server.issuer}/account/security`));
      assert.doesNotMatch(shown.html, /<img src=x|<script>x/);
      assert.match(shown.html, /&lt;img src=x/);
      const long = await post(browser, '/account/passkeys/rename', { csrf: csrfOf(shown), passkey: id, name: 'x'.repeat(65) });
      assert.equal(long.status, 400);
      const huge = await post(browser, '/account/passkeys/rename', { csrf: csrfOf(shown), passkey: id, name: 'x'.repeat(200_000) });
      assert.ok(huge.status >= 400 && huge.status < 500, `status ${huge.status}`);
      assert.equal((await server.tessera.ctx.stores.passkeys.find(id))?.name, evil);
      // Another user's passkey cannot be renamed or removed by id.
      const other = await userWithPasskeys(`names2${postgres ? 'pg' : ''}`, 1);
      await post(other.browser, '/account/passkeys/rename', { csrf: csrfOf(other.page), passkey: id, name: 'pwned' });
      await post(other.browser, '/account/passkeys/remove', { csrf: csrfOf(other.page), passkey: id });
      assert.equal((await server.tessera.ctx.stores.passkeys.find(id))?.name, evil);
      void user;
    });

    it('the CSP allows scripts only on pages that offer passkeys', async () => {
      const { page } = await loginPage();
      assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      const discovery = await fetch(`${server.issuer}/.well-known/openid-configuration`);
      assert.doesNotMatch(discovery.headers.get('content-security-policy') ?? '', /script-src/);
      const error = await fetch(`${server.issuer}/authorize?client_id=nope`);
      assert.doesNotMatch(error.headers.get('content-security-policy') ?? '', /script-src/);
    });

    it('anonymous login pages store one challenge each, and they are gone once expired and cleaned up', async () => {
      await Promise.all(Array.from({ length: 20 }, () => fetch(`${server.issuer}/account/security`)));
      server.advance(5 * 60 + 1);
      const report = await server.tessera.cleanUp();
      assert.ok(report.passkeyChallenges >= 20, `cleaned ${report.passkeyChallenges}`);
    });

    it('acr_values=phr: prompt=none never gets a code for a session without a passkey; the step-up asks only for the passkey', async () => {
      // Signed in with a password; adding the passkey proved a factor (mfa) but is not a passkey sign-in.
      const { user, browser, key } = await userWithPasskeys(`phr${postgres ? 'pg' : ''}`, 1);
      const app = await server.addClient({ name: 'Plain', type: 'public', tokenEndpointAuthMethod: 'none', redirectUris: ['https://plain.example/cb'], scopes: ['openid'] });
      await server.tessera.ctx.stores.grants.upsert(user.sub, app.clientId, ['openid'], server.tessera.ctx.now());
      const url = (extra: string) => `${server.issuer}/authorize?client_id=${app.clientId}&response_type=code&redirect_uri=${encodeURIComponent('https://plain.example/cb')}&scope=openid&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256&acr_values=phr${extra}`;
      const silent = await browser.visit(url('&prompt=none'));
      assert.ok('leftTo' in silent);
      assert.equal(new URL(silent.leftTo).searchParams.get('error'), 'interaction_required');
      const step = isPage(await browser.visit(url('')));
      assert.doesNotMatch(step.html, /name="code"/, 'no code field: only a passkey is phishing-resistant');
      const answer = await postPasskey(browser, step, '/login/second-factor', JSON.stringify(key.get(passkeyOptions(step, 'second-factor') as never)));
      assert.equal(answer.status, 303);
      assert.match(answer.headers.get('location') ?? '', /^https:\/\/plain\.example\/cb\?code=/);
    });

    it('a passkey removed while its sign-in is being checked signs no one in, and is not reported as a cloned key', async () => {
      const { user, browser, key, page } = await userWithPasskeys(`race${postgres ? 'pg' : ''}`, 2);
      const target = key.credentials[0]!;
      const login = await loginPage();
      const assertion = JSON.stringify(key.get(passkeyOptions(login.page, 'sign-in') as never, {}, target));
      // The removal lands between the sign-in's read of the passkey and its write of the use.
      const store = server.tessera.ctx.stores.passkeys;
      const find = store.find.bind(store);
      store.find = async (id) => {
        const found = await find(id);
        if (id === target.id) assert.equal((await post(browser, '/account/passkeys/remove', { csrf: csrfOf(page), passkey: id })).status, 303);
        return found;
      };
      let answer: Response;
      try {
        answer = await postPasskey(login.browser, login.page, '/login/passkey', assertion);
      } finally {
        store.find = find;
      }
      assert.equal(answer.status, 400);
      assert.match(textOf(await answer.text()), /not registered for this account/);
      assert.equal((await server.tessera.ctx.stores.audit.list({ user: user.sub, type: 'passkey.clone_suspected', limit: 5 })).length, 0);
    });
  });
}

attacks(false);
attacks(true);

/** An upstream provider's `amr` is its word about its own sign-in: never a Tessera passkey. */
describe('passkey review attacks: an upstream that asserts hwk/swk', () => {
  const CALLBACK = 'https://app.example.com/cb';
  const SECRET = 'acme-client-secret-with-enough-entropy-0123456789';
  const user = (name: string, amr: string[]): UpstreamUser => ({ sub: `acme-${name}`, username: name, password: `${name} acme password`, email: `${name}@acme.example`, email_verified: true, name, groups: [], amr });
  const KEYED = user('keyed', ['hwk', 'mfa']);
  const SOFT = user('soft', ['swk']);
  let server: TestServer;
  let acme: TestProvider<OpenIdMisbehaviour>;

  before(async () => {
    server = await startTestServer();
    acme = await startOpenIdProvider({ clients: [{ client_id: 'tessera', client_secret: SECRET, redirect_uris: [`${server.issuer}/federation/acme/callback`] }], users: [KEYED, SOFT] });
    const ctx = server.tessera.ctx;
    await addProvider({ stores: ctx.stores, pepper: ctx.pepper, now: ctx.now(), actor: 'cli', audit: async () => {} }, { name: 'acme', kind: 'oidc', displayName: 'Acme', secret: SECRET, domains: ['acme.example'], oidc: { issuer: acme.issuer, clientId: 'tessera' } });
  });
  after(async () => {
    await server.close();
    await acme.stop();
  });

  /** Signs in to `app` through Acme as `who`: the page Tessera ends on, or the app's tokens. */
  async function viaAcme(app: { clientId: string; secret?: string }, who: UpstreamUser) {
    const config = await discover(server, app.clientId, app.secret);
    const browser = new Browser(server.issuer);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const login = isPage(await browser.visit(url.href));
    const href = /href="([^"]+)">Continue with Acme</.exec(login.html)![1]!.replace(/&amp;/g, '&');
    const leaving = await browser.visit(href);
    assert.ok('leftTo' in leaving);
    let step = await browser.visit((await new Browser(acme.issuer).authorize(leaving.leftTo, who)).href);
    if (!('leftTo' in step) && /name="decision"/.test(step.html)) step = await browser.submit(step, { decision: 'allow' });
    if (!('leftTo' in step)) return { page: step };
    return { tokens: await client.authorizationCodeGrant(config, new URL(step.leftTo), { pkceCodeVerifier: verifier }) };
  }

  it('an upstream amr of hwk+mfa does not meet a client that requires a phishing-resistant (passkey) sign-in', async () => {
    const strict = await server.addClient({ name: 'Strict', redirectUris: [CALLBACK], scopes: ['openid'], requireMfa: true, requirePhishingResistant: true });
    const answer = await viaAcme(strict, KEYED);
    assert.ok(answer.page, `a code was issued: acr ${String(answer.tokens?.claims()?.['acr'])}`);
    assert.equal(answer.page.status, 403);
  });

  it('an upstream amr of swk alone is not told to apps as acr phr', async () => {
    const app = await server.addClient({ name: 'Plain', redirectUris: [CALLBACK], scopes: ['openid'] });
    const answer = await viaAcme(app, SOFT);
    assert.ok(answer.tokens, textOf(answer.page?.html ?? ''));
    assert.notEqual(answer.tokens.claims()?.['acr'], 'phr');
  });
});
