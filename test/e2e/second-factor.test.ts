import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { discover } from '../helpers/oidc.js';
import { isPage, Browser, formOf, textOf, type Page } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';
import { totp } from '../helpers/totp.js';
import { tesseraJson } from '../helpers/cli.js';

const CALLBACK = 'https://app.example.com/cb';

const alert = (page: Page): string => /<p class="error" role="alert">([^<]*)<\/p>/.exec(page.html)?.[1] ?? '';
const keyOf = (page: Page): string => /<code id="totp_secret">([A-Z2-7]+)<\/code>/.exec(page.html)?.[1] ?? assert.fail(`no key: ${textOf(page.html)}`);

type User = { sub: string; username: string; password: string };

/** Signs in on /account and turns on two-step verification; returns the key and the backup codes. */
async function enroll(server: TestServer, user: User, browser = new Browser(server.issuer)): Promise<{ key: string; backupCodes: string[]; browser: Browser }> {
  const login = isPage(await browser.visit(`${server.issuer}/account`));
  const account = isPage(await browser.submit(login, { username: user.username, password: user.password }));
  assert.match(textOf(account.html), /Two-step verification Off/);
  const setup = isPage(await browser.submit(account, {}, '/account/second-factor'));
  assert.match(setup.html, /<img class="qr" src="data:image\/svg\+xml;base64,/);
  const key = keyOf(setup);
  const wrong = isPage(await browser.submit(setup, { code: '000000' === totp(key, server.tessera.ctx.now()) ? '111111' : '000000' }, '/confirm'));
  assert.equal(wrong.status, 400);
  assert.match(alert(wrong), /not right/);
  const done = isPage(await browser.submit(wrong, { code: totp(key, server.tessera.ctx.now()) }, '/confirm'));
  const backupCodes = [...done.html.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
  assert.equal(backupCodes.length, 10, textOf(done.html));
  const after = isPage(await browser.visit(`${server.issuer}/account`));
  assert.match(textOf(after.html), /On: sign-ins ask for a code.*10 backup codes left/);
  return { key, backupCodes, browser };
}

describe('two-step verification (TOTP)', () => {
  let server: TestServer;
  let app: { clientId: string; secret?: string };
  let config: client.Configuration;

  before(async () => {
    server = await startTestServer({ signInLimits: { perPair: 3, perSubject: 12, perIp: 30 } });
    app = await server.addClient({ name: 'Photos', redirectUris: [CALLBACK], scopes: ['openid', 'profile'] });
    config = await discover(server, app.clientId, app.secret);
  });
  after(() => server.close());

  /** Starts a code flow and signs in with the password; the page that follows. */
  async function passwordStep(user: User, browser = new Browser(server.issuer)) {
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid profile', nonce, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const login = isPage(await browser.visit(url.href));
    const next = isPage(await browser.submit(login, { username: user.username, password: user.password }));
    /** Finishes: consent if asked, then the code is redeemed by openid-client. */
    const finish = async (page: Page | { leftTo: string }) => {
      let step = page;
      if (!('leftTo' in step) && /name="decision"/.test(step.html)) step = await browser.submit(step, { decision: 'allow' });
      if (!('leftTo' in step)) throw new Error(`expected the redirect back: ${textOf(step.html)}`);
      return client.authorizationCodeGrant(config, new URL(step.leftTo), { pkceCodeVerifier: verifier, expectedNonce: nonce });
    };
    return { browser, page: next, finish };
  }

  it('enrolls on the account page, then asks for the code at sign-in, with amr and acr in the ID token', async () => {
    const alice = await server.addUser({ username: 'alice' });
    const { key } = await enroll(server, alice);
    server.advance(30); // the enrollment code's time step is spent

    const { page, finish, browser } = await passwordStep(alice);
    assert.match(page.html, /<input type="text" id="code" name="code"[^>]*autocomplete="one-time-code"/);
    const wrong = isPage(await browser.submit(page, { code: '123456' === totp(key, server.tessera.ctx.now()) ? '654321' : '123456' }));
    assert.equal(wrong.status, 400);
    const tokens = await finish(await browser.submit(wrong, { code: totp(key, server.tessera.ctx.now()) }));
    const claims = tokens.claims()!;
    assert.deepEqual(claims['amr'], ['pwd', 'otp', 'mfa']);
    assert.equal(claims['acr'], 'urn:tessera:acr:mfa');

    // The same code again, in the same 30 seconds, is refused: each code works once.
    const replay = await passwordStep(alice);
    const refused = isPage(await replay.browser.submit(replay.page, { code: totp(key, server.tessera.ctx.now()) }));
    assert.equal(refused.status, 400);
  });

  it('accepts each backup code once', async () => {
    const bob = await server.addUser({ username: 'bob' });
    const { backupCodes } = await enroll(server, bob);
    const first = await passwordStep(bob);
    const tokens = await first.finish(await first.browser.submit(first.page, { code: backupCodes[3]!.toUpperCase() }));
    assert.equal(tokens.claims()?.sub, bob.sub);
    const second = await passwordStep(bob);
    const refused = isPage(await second.browser.submit(second.page, { code: backupCodes[3]! }));
    assert.equal(refused.status, 400);
    const other = await second.finish(await second.browser.submit(refused, { code: backupCodes[4]! }));
    assert.equal(other.claims()?.sub, bob.sub);
  });

  it('limits wrong codes like passwords, and records every step in the audit log without a code', async () => {
    const carol = await server.addUser({ username: 'carol' });
    const { key, backupCodes } = await enroll(server, carol);
    const { page, browser } = await passwordStep(carol);
    let step = page;
    for (let i = 0; i < 3; i++) step = isPage(await browser.submit(step, { code: `00000${i}` }));
    const locked = isPage(await browser.submit(step, { code: totp(key, server.tessera.ctx.now() + 30) }));
    assert.equal(locked.status, 429);
    assert.match(alert(locked), /Too many wrong codes/);

    const events = await server.tessera.ctx.stores.audit.list({ user: carol.sub, limit: 50 });
    const types = new Set<string>(events.map((e) => e.type));
    for (const type of ['mfa.enrolled', 'mfa.failure', 'login.success']) assert.ok(types.has(type), type);
    const text = JSON.stringify(events);
    for (const secret of [key, ...backupCodes, carol.password]) assert.ok(!text.includes(secret));
  });

  it('has users set it up at sign-in when a client requires it, and then continues to the app', async () => {
    const strict = await server.addClient({ name: 'Payroll', redirectUris: [CALLBACK], scopes: ['openid'], requireMfa: true });
    const strictConfig = await discover(server, strict.clientId, strict.secret);
    const dave = await server.addUser({ username: 'dave' });
    const browser = new Browser(server.issuer);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(strictConfig, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const login = isPage(await browser.visit(url.href));
    const setup = isPage(await browser.submit(login, { username: 'dave', password: dave.password }));
    assert.match(textOf(setup.html), /This sign-in needs a second factor/);
    const codes = isPage(await browser.submit(setup, { code: totp(keyOf(setup), server.tessera.ctx.now()) }));
    assert.match(textOf(codes.html), /Save your backup codes/);
    const href = /<a class="button" href="([^"]+)">Continue<\/a>/.exec(codes.html)![1]!;
    const consent = isPage(await browser.visit(href.replace(/&amp;/g, '&')));
    const back = await browser.submit(consent, { decision: 'allow' });
    if (!('leftTo' in back)) throw new Error(textOf(back.html));
    const tokens = await client.authorizationCodeGrant(strictConfig, new URL(back.leftTo), { pkceCodeVerifier: verifier });
    assert.deepEqual(tokens.claims()?.['amr'], ['pwd', 'otp', 'mfa']);

    // A user without a second factor signing in to an ordinary client: a password only.
    const erin = await server.addUser({ username: 'erin' });
    const plain = await passwordStep(erin);
    const plainTokens = await plain.finish(plain.page);
    assert.deepEqual(plainTokens.claims()?.['amr'], ['pwd']);
    assert.equal(plainTokens.claims()?.['acr'], 'urn:tessera:acr:password');
  });

  it('keeps the password grant away from accounts with a second factor', async () => {
    const frank = await server.addUser({ username: 'frank' });
    await enroll(server, frank);
    const legacy = await server.addClient({ name: 'Legacy', grantTypes: ['password'], scopes: ['openid'] });
    const res = await postForm(`${server.issuer}/token`, { grant_type: 'password', username: 'frank', password: frank.password }, basic(legacy.clientId, legacy.secret!));
    assert.equal(res.status, 400);
    assert.equal(res.body['error'], 'invalid_grant');
    assert.match(String(res.body['error_description']), /two-step/);
  });

  it('lets an operator reset a lost second factor with the CLI', async () => {
    const gina = await server.addUser({ username: 'gina' });
    await enroll(server, gina);
    const reset = await tesseraJson<Record<string, unknown>>(['user', 'mfa', 'reset', 'gina', ...server.storeArgs]);
    assert.equal(reset['second_factor_removed'], true);
    const { page, finish } = await passwordStep(gina);
    assert.ok(!/name="code"/.test(page.html), 'no code asked any more');
    assert.deepEqual((await finish(page)).claims()?.['amr'], ['pwd']);
    const events = await server.tessera.ctx.stores.audit.list({ user: gina.sub, type: 'mfa.reset', limit: 5 });
    assert.equal(events.length, 1);
  });
});

describe('risk-based step-up', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ mfa: { policy: 'risk' } });
  });
  after(() => server.close());

  it('asks a user with a second factor for it on a new device only', async () => {
    const hana = await server.addUser({ username: 'hana' });
    const laptop = { 'user-agent': 'Laptop/1.0' };
    const { key } = await enroll(server, hana, new Browser(server.issuer, laptop));
    const signIn = async (headers: Record<string, string>) => {
      const browser = new Browser(server.issuer, headers);
      const login = isPage(await browser.visit(`${server.issuer}/account`));
      return { browser, page: isPage(await browser.submit(login, { username: 'hana', password: hana.password })) };
    };

    // The usual device and address: the password is enough under the risk policy.
    const usual = await signIn(laptop);
    assert.match(textOf(usual.page.html), /Your account/);

    // A device never seen before scores new_device (2), which reaches the threshold (2).
    const phone = await signIn({ 'user-agent': 'UnknownPhone/9.9' });
    assert.match(phone.page.html, /name="code"/);
    const done = isPage(await phone.browser.submit(phone.page, { code: totp(key, server.tessera.ctx.now() + 30) }));
    assert.match(textOf(done.html), /Your account/);
    const stepUps = await server.tessera.ctx.stores.audit.list({ user: hana.sub, type: 'login.step_up', limit: 5 });
    assert.equal(stepUps.length, 1);
    assert.match(stepUps[0]!.reason ?? '', /new_device/);
  });
});
