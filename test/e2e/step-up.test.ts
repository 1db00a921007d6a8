import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { discover } from '../helpers/oidc.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';
import { totp } from '../helpers/totp.js';

/**
 * What a client or policy requires (a second factor) is checked on every path that issues a code,
 * approves a device or shows consent, including from an existing SSO session (issue 15 §2), and
 * `acr_values` asks for the same step-up (OpenID Connect Core §3.1.2.1).
 */

const CALLBACK = 'https://app.example.com/cb';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const ACR_MFA = 'urn:tessera:acr:mfa';

const keyOf = (page: Page): string => /<code id="totp_secret">([A-Z2-7]+)<\/code>/.exec(page.html)?.[1] ?? assert.fail(`no key: ${textOf(page.html)}`);

type User = { sub: string; username: string; password: string };

describe('a second factor required by a client, the policy or acr_values is asked of an existing session', () => {
  let server: TestServer;
  let ordinary: { clientId: string; secret?: string };
  let payroll: { clientId: string; secret?: string };
  let vault: { clientId: string; secret?: string };

  before(async () => {
    // Under the risk policy with a high threshold, users with a factor sign in with a password alone.
    server = await startTestServer({ mfa: { policy: 'risk', riskThreshold: 100 }, devicePollInterval: 1 });
    ordinary = await server.addClient({ name: 'Photos', redirectUris: [CALLBACK], scopes: ['openid'] });
    payroll = await server.addClient({ name: 'Payroll', redirectUris: [CALLBACK], scopes: ['openid'], requireMfa: true });
    vault = await server.addClient({ name: 'Vault', redirectUris: [CALLBACK], scopes: ['openid'], requireMfa: true });
  });
  after(() => server.close());

  /** Starts an authorization request in `browser` for `app`; the first page (or the redirect back) and how to redeem. */
  async function authorize(app: { clientId: string; secret?: string }, browser: Browser, extra: Record<string, string> = {}) {
    const config = await discover(server, app.clientId, app.secret);
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', nonce, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra });
    const first = await browser.visit(url.href);
    /** Allows consent when asked and redeems the code; the ID token's claims. */
    const finish = async (step: Page | { leftTo: string }) => {
      if (!('leftTo' in step) && /name="decision"/.test(step.html)) step = await browser.submit(step, { decision: 'allow' });
      if (!('leftTo' in step)) throw new Error(`expected the redirect back: ${textOf(step.html)}`);
      const tokens = await client.authorizationCodeGrant(config, new URL(step.leftTo), { pkceCodeVerifier: verifier, expectedNonce: nonce });
      return tokens.claims()!;
    };
    return { first, finish };
  }

  /** Signs in on /account with the password; the browser then holds a password-only SSO session. */
  async function signedIn(user: User): Promise<Browser> {
    const browser = new Browser(server.issuer);
    const page = isPage(await browser.submit(isPage(await browser.visit(`${server.issuer}/account`)), { username: user.username, password: user.password }));
    assert.match(textOf(page.html), /Your account/);
    return browser;
  }

  /** Turns on two-step verification for `user` in its own browser; the key. */
  async function enroll(user: User): Promise<string> {
    const browser = await signedIn(user);
    const setup = isPage(await browser.submit(isPage(await browser.visit(`${server.issuer}/account`)), {}, '/account/second-factor'));
    const key = keyOf(setup);
    isPage(await browser.submit(setup, { code: totp(key, server.tessera.ctx.now()) }, '/confirm'));
    server.advance(30);
    return key;
  }

  it('asks for the code before a client that requires it gets a code from a password-only session, then remembers it', async () => {
    const hana = await server.addUser({ username: 'hana' });
    const key = await enroll(hana);
    const browser = await signedIn(hana);

    const photos = await authorize(ordinary, browser);
    assert.deepEqual((await photos.finish(photos.first)).amr, ['pwd'], 'an ordinary app gets what the session proved');

    const pay = await authorize(payroll, browser);
    const factor = isPage(pay.first);
    assert.match(factor.html, /name="code"/, `the second factor is asked: ${textOf(factor.html)}`);
    const claims = await pay.finish(await browser.submit(factor, { code: totp(key, server.tessera.ctx.now()) }));
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(claims.acr, ACR_MFA);

    // The session remembers the factor: another app that requires it is not asked again...
    const safe = await authorize(vault, browser);
    assert.deepEqual((await safe.finish(safe.first)).amr, ['pwd', 'otp', 'mfa']);
    // ...and ordinary apps now hear the truth about it too.
    const again = await authorize(ordinary, browser);
    assert.equal((await again.finish(again.first)).acr, ACR_MFA);
    const stepUps = await server.tessera.ctx.stores.audit.list({ user: hana.sub, type: 'login.step_up', limit: 5 });
    assert.equal(stepUps.length, 1);
  });

  it('has a user without a second factor set one up before such a client gets a code, then continues', async () => {
    const ivan = await server.addUser({ username: 'ivan' });
    const browser = await signedIn(ivan);
    const pay = await authorize(payroll, browser);
    const setup = isPage(pay.first);
    assert.match(textOf(setup.html), /This sign-in needs a second factor/);
    const codes = isPage(await browser.submit(setup, { code: totp(keyOf(setup), server.tessera.ctx.now()) }));
    const href = /<a class="button" href="([^"]+)">Continue<\/a>/.exec(codes.html)![1]!.replace(/&amp;/g, '&');
    const claims = await pay.finish(await browser.visit(href));
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
  });

  it('answers prompt=none with interaction_required instead of a code with less than the client requires', async () => {
    const judy = await server.addUser({ username: 'judy' });
    const browser = await signedIn(judy);
    // Consent given earlier, so only the second factor is missing.
    await server.tessera.ctx.stores.grants.upsert(judy.sub, payroll.clientId, ['openid'], server.tessera.ctx.now());
    const silent = await authorize(payroll, browser, { prompt: 'none' });
    assert.ok('leftTo' in silent.first, 'redirected back to the app');
    const back = new URL((silent.first as { leftTo: string }).leftTo);
    assert.equal(back.searchParams.get('error'), 'interaction_required');
    assert.equal(back.searchParams.get('code'), null);
  });

  it('never lets the consent form stand in for the second factor', async () => {
    const kate = await server.addUser({ username: 'kate' });
    const key = await enroll(kate);
    const browser = await signedIn(kate);
    const pay = await authorize(payroll, browser);
    const factor = isPage(pay.first);
    assert.match(factor.html, /name="code"/);
    // Posting the interaction's consent form directly, skipping the code, goes back to the code.
    const interaction = /interaction:([0-9a-f-]{36})/.exec(factor.html)![1]!;
    const csrf = (await server.tessera.ctx.stores.interactions.find(interaction))!.csrfToken;
    const skipped = await browser.visit(`${server.issuer}/interaction/${interaction}/consent`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, decision: 'allow' }).toString(),
    });
    assert.ok(!('leftTo' in skipped), 'no code for the app');
    assert.match(skipped.html, /name="code"/);
    const claims = await pay.finish(await browser.submit(skipped, { code: totp(key, server.tessera.ctx.now()) }));
    assert.equal(claims.acr, ACR_MFA);
  });

  it('steps up for acr_values asking for the MFA level, and keeps max_age and prompt=login working with it', async () => {
    const leo = await server.addUser({ username: 'leo' });
    const key = await enroll(leo);
    const browser = await signedIn(leo);
    const asked = await authorize(ordinary, browser, { acr_values: `${ACR_MFA} urn:tessera:acr:password` });
    const factor = isPage(asked.first);
    assert.match(factor.html, /name="code"/, 'the client asked for MFA first');
    const claims = await asked.finish(await browser.submit(factor, { code: totp(key, server.tessera.ctx.now()) }));
    assert.equal(claims.acr, ACR_MFA);

    // Unknown values are ignored (acr_values is voluntary); the password level first asks nothing more.
    const unknown = await authorize(ordinary, browser, { acr_values: 'urn:example:gold' });
    assert.ok('leftTo' in unknown.first);
    server.advance(30);
    // prompt=login with acr_values: the password again, then the code again, and a fresh auth_time.
    const before = server.tessera.ctx.now();
    const fresh = await authorize(ordinary, browser, { acr_values: ACR_MFA, prompt: 'login' });
    const login = isPage(fresh.first);
    assert.match(login.html, /name="password"/);
    const code = isPage(await browser.submit(login, { username: 'leo', password: leo.password }));
    assert.match(code.html, /name="code"/);
    const freshClaims = await fresh.finish(await browser.submit(code, { code: totp(key, server.tessera.ctx.now()) }));
    assert.equal(freshClaims.acr, ACR_MFA);
    assert.ok(Number(freshClaims.auth_time) >= before);
    // max_age with acr_values: a sign-in older than max_age signs in again.
    server.advance(5);
    const aged = await authorize(ordinary, browser, { acr_values: ACR_MFA, max_age: '1' });
    assert.match(isPage(aged.first).html, /name="password"/);
  });

  it('asks for the factor before a device of a client that requires it is approved', async () => {
    const mia = await server.addUser({ username: 'mia' });
    const key = await enroll(mia);
    const tv = await server.addClient({ name: 'Boardroom TV', type: 'public', grantTypes: [DEVICE_GRANT], scopes: ['openid'], requireMfa: true });
    const config = await discover(server, tv.clientId);
    const start = await client.initiateDeviceAuthorization(config, { scope: 'openid' });
    const browser = await signedIn(mia);
    const codeStep = isPage(await browser.visit(`${server.issuer}/device`));
    const factor = isPage(await browser.submit(codeStep, { user_code: start.user_code }));
    assert.match(factor.html, /name="code"/, `the factor comes before the approval: ${textOf(factor.html)}`);
    const confirm = isPage(await browser.submit(factor, { code: totp(key, server.tessera.ctx.now()) }));
    assert.match(textOf(confirm.html), /Boardroom TV wants to access your account/);
    const done = isPage(await browser.submit(confirm, { decision: 'allow' }));
    assert.match(textOf(done.html), /Device connected/);
    const tokens = await client.pollDeviceAuthorizationGrant(config, start);
    assert.deepEqual(tokens.claims()?.amr, ['pwd', 'otp', 'mfa']);
  });
});

describe('the required-MFA policy holds for sessions that began before it was turned on', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('asks a password-only session to set up a factor before any app gets a code', async () => {
    const app = await server.addClient({ name: 'Photos', redirectUris: [CALLBACK], scopes: ['openid'] });
    const nina = await server.addUser({ username: 'nina' });
    const browser = new Browser(server.issuer);
    isPage(await browser.submit(isPage(await browser.visit(`${server.issuer}/account`)), { username: 'nina', password: nina.password }));
    // The operator turns the policy on (as at a restart with --mfa-policy required); the session lives on.
    server.tessera.ctx.config.mfa.policy = 'required';
    const config = await discover(server, app.clientId, app.secret);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const setup = isPage(await browser.visit(url.href));
    assert.match(textOf(setup.html), /This sign-in needs a second factor/);
  });
});
