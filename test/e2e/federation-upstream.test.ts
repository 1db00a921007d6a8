import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startOAuth2Provider, startOpenIdProvider, type OAuth2Misbehaviour, type OpenIdMisbehaviour, type TestProvider, type UpstreamUser } from '../helpers/upstream-idp.js';
import { tessera, tesseraJson } from '../helpers/cli.js';
import { discover } from '../helpers/oidc.js';
import { isPage, Browser, formOf, textOf, type Page } from '../helpers/browser.js';

/**
 * Users sign in to apps through Tessera with an upstream OpenID provider ("Acme", node-oidc-provider
 * in its own process) or a plain OAuth 2.0 provider (GitHub-like): Tessera is the relying party, the
 * apps get Tessera's tokens (issue 17 §3).
 */

const CALLBACK = 'https://app.example.com/cb';
const SECRET = 'acme-client-secret-with-enough-entropy-0123456789';

const acmeUser = (name: string, over: Partial<UpstreamUser> = {}): UpstreamUser => ({
  sub: `acme-${name}`,
  username: name,
  password: `${name} acme password`,
  email: `${name}@acme.example`,
  email_verified: true,
  name: `${name[0]!.toUpperCase()}${name.slice(1)} Acme`,
  groups: ['staff'],
  ...over,
});
const ALICE = acmeUser('alice');
const BOB = acmeUser('bob');
const CAROL = acmeUser('carol');
const DAN = acmeUser('dan', { email: 'dan@corp.example' });
const ERIN = acmeUser('erin', { email: 'erin@corp.example' });

const alert = (page: Page): string => /<p class="error" role="alert">([^<]*)<\/p>/.exec(page.html)?.[1] ?? '';

describe('signing in with upstream providers', () => {
  let server: TestServer;
  let acme: TestProvider<OpenIdMisbehaviour>;
  let octo: TestProvider<OAuth2Misbehaviour>;
  let app: { clientId: string; secret?: string };
  let config: client.Configuration;

  before(async () => {
    server = await startTestServer();
    acme = await startOpenIdProvider({ clients: [{ client_id: 'tessera', client_secret: SECRET, redirect_uris: [`${server.issuer}/federation/acme/callback`] }], users: [ALICE, BOB, CAROL, DAN, ERIN] });
    octo = await startOAuth2Provider({
      clients: [{ client_id: 'tessera-gh', client_secret: SECRET, redirect_uris: [`${server.issuer}/federation/octo/callback`] }],
      users: [{ login: 'octo', password: 'octo password', profile: { id: 4242, login: 'octo', email: 'octo@example.com', name: 'Octo Cat' } }],
    });
    app = await server.addClient({ name: 'Wiki', redirectUris: [CALLBACK], scopes: ['openid', 'profile', 'email'] });
    config = await discover(server, app.clientId, app.secret);
    const added = await tessera(['idp', 'add', 'oidc', '--name', 'acme', '--display-name', 'Acme', '--issuer', acme.issuer, '--client-id', 'tessera', '--client-secret-stdin', '--domain', 'acme.example', '--json', ...server.storeArgs], SECRET);
    assert.equal(added.code, 0, added.stderr);
    const gh = await tessera(
      ['idp', 'add', 'oauth2', '--name', 'octo', '--display-name', 'Octo', '--authorization-endpoint', `${octo.issuer}/authorize`, '--token-endpoint', `${octo.issuer}/token`, '--user-endpoint', `${octo.issuer}/user`, '--client-id', 'tessera-gh', '--client-secret-stdin', ...server.storeArgs],
      SECRET,
    );
    assert.equal(gh.code, 0, gh.stderr);
  });
  after(async () => {
    await server.close();
    await acme.stop();
    await octo.stop();
  });

  /** An authorization request of the app in a fresh browser: the first page, and how to finish. */
  async function authorize(extra: Record<string, string> = {}) {
    const browser = new Browser(server.issuer);
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid profile email', nonce, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra });
    const first = await browser.visit(url.href);
    const finish = async (step: Page | { leftTo: string }) => {
      if (!('leftTo' in step) && /name="decision"/.test(step.html)) step = await browser.submit(step, { decision: 'allow' });
      if (!('leftTo' in step)) throw new Error(`expected the redirect back to the app: ${alert(step) || textOf(step.html).slice(0, 200)}`);
      return client.authorizationCodeGrant(config, new URL(step.leftTo), { pkceCodeVerifier: verifier, expectedNonce: nonce });
    };
    return { browser, first, finish };
  }

  /** Follows the browser to the provider, signs in on its form, and comes back to Tessera's callback. */
  async function atProvider(browser: Browser, leaving: Page | { leftTo: string }, provider: { issuer: string }, user: { username: string; password: string }): Promise<Page | { leftTo: string }> {
    if (!('leftTo' in leaving)) throw new Error(`expected the way to the provider: ${alert(leaving) || textOf(leaving.html).slice(0, 200)}`);
    const back = await new Browser(provider.issuer).authorize(leaving.leftTo, user);
    return browser.visit(back.href);
  }

  const continueWith = (page: Page, name: string): string => {
    const href = new RegExp(`href="([^"]+)">Continue with ${name}<`).exec(page.html)?.[1];
    if (!href) throw new Error(`no "Continue with ${name}" on the page: ${textOf(page.html).slice(0, 200)}`);
    return href.replace(/&amp;/g, '&');
  };

  it('prints the redirect URI to register at the provider, never the client secret', async () => {
    const shown = await tesseraJson<Record<string, unknown>>(['idp', 'show', 'acme', ...server.storeArgs]);
    assert.equal(shown['redirect_uri'], `${server.issuer}/federation/acme/callback`);
    assert.ok(!JSON.stringify(shown).includes(SECRET));
    const tested = await tesseraJson<{ ok: boolean }>(['idp', 'test', 'acme', ...server.storeArgs]);
    assert.equal(tested.ok, true);
  });

  it('offers "Continue with Acme"; the app gets a Tessera ID token for a new account with the mapped claims', async () => {
    const { browser, first, finish } = await authorize();
    const login = isPage(first);
    const tokens = await finish(await atProvider(browser, await browser.visit(continueWith(login, 'Acme')), acme, ALICE));
    const claims = tokens.claims()!;
    assert.equal(claims.iss, server.issuer, 'the app sees only Tessera');
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.equal(info['email'], ALICE.email);
    assert.equal(info['name'], ALICE.name);
    const user = await server.tessera.ctx.stores.users.findById(claims.sub);
    assert.equal(user?.passwordHash, '', 'an account from a provider has no password here');
    // Keyed by (provider, subject): the same Tessera account the next time.
    const again = await authorize();
    const second = await again.finish(await atProvider(again.browser, await again.browser.visit(continueWith(isPage(again.first), 'Acme')), acme, ALICE));
    assert.equal(second.claims()?.sub, claims.sub);
    const events = await server.tessera.ctx.stores.audit.list({ user: claims.sub, type: 'login.success', limit: 5 });
    assert.ok(events.every((e) => e.reason === 'oidc:acme'));
  });

  it('links to an existing local account with the same address only after its password proves it', async () => {
    const local = await server.addUser({ username: 'bob.local', email: BOB.email, password: 'the local bob password' });
    const { browser, first, finish } = await authorize();
    const linkPage = isPage(await atProvider(browser, await browser.visit(continueWith(isPage(first), 'Acme')), acme, BOB));
    assert.match(textOf(linkPage.html), /You already have an account here/);
    const wrong = isPage(await browser.submit(linkPage, { username: 'bob.local', password: 'not his password', decision: 'link' }));
    assert.equal(alert(wrong), 'Incorrect username or password.');
    assert.equal(await server.tessera.ctx.stores.federatedIdentities.find((await server.tessera.ctx.stores.identityProviders.findByName('acme'))!.id, BOB.sub), undefined, 'not linked');
    const tokens = await finish(await browser.submit(wrong, { username: 'bob.local', password: local.password, decision: 'link' }));
    assert.equal(tokens.claims()?.sub, local.sub);
    // Linked now: Acme signs bob in as the local account directly.
    const again = await authorize();
    assert.equal((await again.finish(await atProvider(again.browser, await again.browser.visit(continueWith(isPage(again.first), 'Acme')), acme, BOB))).claims()?.sub, local.sub);
  });

  it('links by a verified address without asking only when the operator trusts the provider', async () => {
    const local = await server.addUser({ username: 'carol.local', email: CAROL.email });
    assert.equal((await tessera(['idp', 'update', 'acme', '--trust-email', ...server.storeArgs])).code, 0);
    try {
      const { browser, first, finish } = await authorize();
      const tokens = await finish(await atProvider(browser, await browser.visit(continueWith(isPage(first), 'Acme')), acme, CAROL));
      assert.equal(tokens.claims()?.sub, local.sub);
    } finally {
      const provider = (await server.tessera.ctx.stores.identityProviders.findByName('acme'))!;
      const settings = JSON.parse(provider.settings) as { trustEmail: boolean };
      await server.tessera.ctx.stores.identityProviders.update(provider.id, { settings: JSON.stringify({ ...settings, trustEmail: false }) }, provider.version, server.tessera.ctx.now());
    }
  });

  it('sends an address in a domain the provider claims straight to it (home-realm discovery), and honours idp= on /authorize', async () => {
    const { browser, first, finish } = await authorize();
    const toAcme = await browser.submit(isPage(first), { username: 'alice@acme.example', password: '' });
    assert.ok('leftTo' in toAcme && toAcme.leftTo.startsWith(acme.issuer));
    assert.ok(await finish(await atProvider(browser, toAcme, acme, ALICE)));
    const named = await authorize({ idp: 'acme' });
    assert.ok('leftTo' in named.first && named.first.leftTo.startsWith(acme.issuer), 'no login page: straight to the provider');
    const hinted = await authorize({ login_hint: 'alice@acme.example' });
    assert.ok('leftTo' in hinted.first && hinted.first.leftTo.startsWith(acme.issuer));
  });

  it('signs a user in through a plain OAuth 2.0 provider, mapping its user JSON', async () => {
    const { browser, first, finish } = await authorize();
    const tokens = await finish(await atProvider(browser, await browser.visit(continueWith(isPage(first), 'Octo')), octo, { username: 'octo', password: 'octo password' }));
    const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    assert.equal(info['name'], 'Octo Cat');
    const link = (await server.tessera.ctx.stores.federatedIdentities.listByUser(tokens.claims()!.sub))[0];
    assert.equal(link?.subject, '4242');
  });

  it('ends every failure at the provider on a clear page, never a 500: its error, a forged ID token, a wrong state, a replayed callback', async () => {
    for (const mode of ['access_denied', 'forged_id_token'] as const) {
      await acme.misbehave(mode);
      try {
        const { browser, first } = await authorize();
        const leaving = await browser.visit(continueWith(isPage(first), 'Acme'));
        if (!('leftTo' in leaving)) throw new Error('expected the way to Acme');
        const back = await new Browser(acme.issuer).authorize(leaving.leftTo, DAN);
        const page = isPage(await browser.visit(back.href));
        assert.ok(page.status >= 400 && page.status < 500, `${mode}: ${page.status}`);
        assert.match(textOf(page.html), /Signing in with Acme did not work/);
        assert.doesNotMatch(page.html, /<script|\n\s+at /);
      } finally {
        await acme.misbehave(null);
      }
    }
    const { browser, first } = await authorize();
    const leaving = await browser.visit(continueWith(isPage(first), 'Acme'));
    if (!('leftTo' in leaving)) throw new Error('expected the way to Acme');
    const back = await new Browser(acme.issuer).authorize(leaving.leftTo, ERIN);
    const tampered = new URL(back.href);
    tampered.searchParams.set('state', 'not-the-state');
    const wrongState = isPage(await browser.visit(tampered.href));
    assert.equal(wrongState.status, 400);
    assert.match(textOf(wrongState.html), /expired, was already used, or was started in another browser/);
    // The callback, carried to another browser (login CSRF), is refused: it is bound to the browser that started it.
    const elsewhere = isPage(await new Browser(server.issuer).visit(back.href));
    assert.equal(elsewhere.status, 400);
    // A callback works once, in its own browser; replayed, it is refused.
    const fresh = await authorize();
    const out = await fresh.browser.visit(continueWith(isPage(fresh.first), 'Acme'));
    if (!('leftTo' in out)) throw new Error('expected the way to Acme');
    const callback = (await new Browser(acme.issuer).authorize(out.leftTo, ERIN)).href;
    assert.ok(await fresh.finish(await fresh.browser.visit(callback)));
    assert.equal(isPage(await fresh.browser.visit(callback)).status, 400, 'replayed: refused');
    const failures = await server.tessera.ctx.stores.audit.list({ type: 'login.failure', limit: 50 });
    assert.ok(failures.some((e) => e.reason === 'state_mismatch:acme'));
    assert.ok(failures.some((e) => e.reason === 'provider_error:acme'));
  });

  it('lists the ways a user signs in on /account, and unlinks one only while another remains', async () => {
    const local = await server.addUser({ username: 'dan.local', email: 'dan.local@corp.example', password: 'the local dan password' });
    const provider = (await server.tessera.ctx.stores.identityProviders.findByName('acme'))!;
    const now = server.tessera.ctx.now();
    await server.tessera.ctx.stores.federatedIdentities.link({ providerId: provider.id, subject: DAN.sub, userId: local.sub, username: 'dan', email: DAN.email, groups: [], createdAt: now, lastSignInAt: now });
    const browser = new Browser(server.issuer);
    const account = isPage(await browser.submit(isPage(await browser.visit(`${server.issuer}/account`)), { username: 'dan.local', password: local.password }));
    assert.match(textOf(account.html), /A password/);
    assert.match(textOf(account.html), /Acme as dan/);
    const form = formOf(account.html, '/account/sign-in-methods/unlink');
    assert.equal(form.hidden['subject'], DAN.sub);
    const after = isPage(await browser.submit(account, {}, '/account/sign-in-methods/unlink'));
    assert.doesNotMatch(textOf(after.html), /Acme as dan/);
    assert.equal(await server.tessera.ctx.stores.federatedIdentities.find(provider.id, DAN.sub), undefined);

    // An account from Acme alone keeps its only way in.
    const { browser: b2, first, finish } = await authorize();
    const tokens = await finish(await atProvider(b2, await b2.visit(continueWith(isPage(first), 'Acme')), acme, ERIN));
    const erin = tokens.claims()!.sub;
    const [link] = await server.tessera.ctx.stores.federatedIdentities.listByUser(erin);
    assert.equal(await server.tessera.ctx.stores.federatedIdentities.unlinkKeeping(link!.providerId, link!.subject, erin, 1), false);
    const erinAccount = isPage(await b2.visit(`${server.issuer}/account`));
    assert.doesNotMatch(erinAccount.html, /sign-in-methods\/unlink/, 'no Unlink for the last way in');
  });
});
