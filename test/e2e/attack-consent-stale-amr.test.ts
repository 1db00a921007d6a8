import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { discover } from '../helpers/oidc.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';
import { totp } from '../helpers/totp.js';

/**
 * Attack (review of issues 15/16): the consent POST trusts the `amr` recorded on the interaction
 * when it was created or stepped up, not what the browser's current session proved. It checks
 * only that the current session is the same *user*. So on a shared computer, a consent page left
 * open by someone who passed the second factor can be completed, after that session ended, by a
 * password-only session of the same account (the `risk` policy lets a familiar browser in with
 * the password alone): the app that requires a second factor gets a code asserting `mfa`.
 *
 * Worse, GET /interaction/:id looks at no session at all once the interaction has a user: when a
 * consent covers the request (given meanwhile in another tab), it issues a code to whoever holds
 * the browser, even after the user signed out (sign-out ends sessions, not interactions).
 */

const CALLBACK = 'https://payroll.example.com/cb';

describe('consent issues only what the current session proved', () => {
  let server: TestServer;
  let payroll: { clientId: string; secret?: string };

  before(async () => {
    server = await startTestServer({ mfa: { policy: 'risk', riskThreshold: 100 }, signInLimits: { delayMs: 1 } });
    payroll = await server.addClient({ name: 'Payroll', redirectUris: [CALLBACK], scopes: ['openid'], requireMfa: true });
  });
  after(() => server.close());

  it('does not give a password-only session a code with amr mfa from a consent page another session stepped up', async () => {
    const zoe = await server.addUser({ username: 'zoe' });
    const kiosk = new Browser(server.issuer);
    const account = isPage(await kiosk.submit(isPage(await kiosk.visit(`${server.issuer}/account`)), { username: 'zoe', password: zoe.password }));
    const setup = isPage(await kiosk.submit(account, {}, '/account/second-factor'));
    const key = /<code id="totp_secret">([A-Z2-7]+)<\/code>/.exec(setup.html)![1]!;
    isPage(await kiosk.submit(setup, { code: totp(key, server.tessera.ctx.now()) }, '/confirm'));
    server.advance(30);
    const signOut = async () => {
      await kiosk.submit(isPage(await kiosk.visit(`${server.issuer}/account`)), {}, '/logout');
      assert.equal(kiosk.cookies.has('tessera_session'), false, 'signed out');
    };
    await signOut();
    // A fresh password-only session (her factor is not asked under the risk policy), then Payroll: code asked, consent shown.
    const fresh = isPage(await kiosk.submit(isPage(await kiosk.visit(`${server.issuer}/account`)), { username: 'zoe', password: zoe.password }));
    assert.match(textOf(fresh.html), /Your account/);
    const config = await discover(server, payroll.clientId, payroll.secret);
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', nonce, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const factor = isPage(await kiosk.visit(url.href));
    assert.match(factor.html, /name="code"/);
    const consent = isPage(await kiosk.submit(factor, { code: totp(key, server.tessera.ctx.now()) }));
    assert.match(consent.html, /name="decision"/, textOf(consent.html));
    // Zoe walks away from the consent page and signs out.
    await signOut();

    // Someone with only her password, at the same computer, signs in (password alone) and presses Allow.
    const again = isPage(await kiosk.submit(isPage(await kiosk.visit(`${server.issuer}/account`)), { username: 'zoe', password: zoe.password }));
    assert.match(textOf(again.html), /Your account/, 'a password-only session');
    const allowed = await kiosk.submit(consent, { decision: 'allow' });
    if ('leftTo' in allowed && new URL(allowed.leftTo).searchParams.get('code')) {
      const tokens = await client.authorizationCodeGrant(config, new URL(allowed.leftTo), { pkceCodeVerifier: verifier, expectedNonce: nonce });
      assert.fail(`Payroll got a code from a password-only session, its ID token says amr ${JSON.stringify(tokens.claims()?.amr)}`);
    }
  });

  it('issues no code from an interaction page after its user signed out (no session at all)', async () => {
    const amy = await server.addUser({ username: 'amy' });
    const kiosk = new Browser(server.issuer);
    const account = isPage(await kiosk.submit(isPage(await kiosk.visit(`${server.issuer}/account`)), { username: 'amy', password: amy.password }));
    const setup = isPage(await kiosk.submit(account, {}, '/account/second-factor'));
    const key = /<code id="totp_secret">([A-Z2-7]+)<\/code>/.exec(setup.html)![1]!;
    isPage(await kiosk.submit(setup, { code: totp(key, server.tessera.ctx.now()) }, '/confirm'));
    const config = await discover(server, payroll.clientId, payroll.secret);
    const start = async () => {
      const verifier = client.randomPKCECodeVerifier();
      const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
      return { page: isPage(await kiosk.visit(url.href)), verifier };
    };
    // Two tabs on Payroll's consent page (the session already proved the factor); she allows in the second.
    const tab1 = await start();
    assert.match(tab1.page.html, /name="decision"/, textOf(tab1.page.html));
    const tab1Url = tab1.page.url;
    const tab2 = await start();
    assert.ok('leftTo' in (await kiosk.submit(tab2.page, { decision: 'allow' })));
    // She signs out: the kiosk holds no session any more.
    await kiosk.submit(isPage(await kiosk.visit(`${server.issuer}/account`)), {}, '/logout');
    assert.equal(kiosk.cookies.has('tessera_session'), false, 'signed out');
    assert.match(isPage(await kiosk.visit(`${server.issuer}/account`)).html, /name="password"/, 'the kiosk is signed out');

    // The next person reloads the first tab.
    const reloaded = await kiosk.visit(tab1Url);
    const code = 'leftTo' in reloaded ? new URL(reloaded.leftTo).searchParams.get('code') : null;
    if (code) {
      const tokens = await client.authorizationCodeGrant(config, new URL((reloaded as { leftTo: string }).leftTo), { pkceCodeVerifier: tab1.verifier });
      assert.fail(`a signed-out kiosk got Payroll a code for amy (sub ${tokens.claims()?.sub}, amr ${JSON.stringify(tokens.claims()?.amr)})`);
    }
  });
});
