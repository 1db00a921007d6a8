import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';
import { totp } from '../helpers/totp.js';

/**
 * Attack (review of issues 15/16): the second factor's failure counters share the sign-in limiter
 * with passwords, under the subject `second-factor:<user id>`. A password sign-in counts under the
 * lower-cased username, and the login form takes any username. So a stranger who types the
 * username `second-factor:<sub>` (the `sub` every app of the user sees) and a wrong password
 * spends the victim's second-factor allowance, without knowing the password, and locks the
 * victim's second factor everywhere, their usual browser included.
 */

const alert = (page: Page): string => /<p class="error" role="alert">([^<]*)<\/p>/.exec(page.html)?.[1] ?? '';
const fromIp = (ip: string): Record<string, string> => ({ 'x-forwarded-for': ip });

describe('strangers cannot lock a user out of their second factor', () => {
  let server: TestServer;

  before(async () => {
    // The defaults' shape: 5 per username+IP, 20 per username, 50 per IP.
    server = await startTestServer({ signInLimits: { perPair: 5, perSubject: 20, perIp: 50, delayMs: 1 } }, undefined, { trustProxy: true });
  });
  after(() => server.close());

  it('does not let wrong passwords for the username "second-factor:<sub>" lock the real user\'s second factor', async () => {
    const victim = await server.addUser({ username: 'victim' });
    // The victim turns on two-step verification in their usual browser.
    const laptop = new Browser(server.issuer, fromIp('10.20.0.1'));
    const account = isPage(await laptop.submit(isPage(await laptop.visit(`${server.issuer}/account`)), { username: 'victim', password: victim.password }));
    const setup = isPage(await laptop.submit(account, {}, '/account/second-factor'));
    const key = /<code id="totp_secret">([A-Z2-7]+)<\/code>/.exec(setup.html)![1]!;
    isPage(await laptop.submit(setup, { code: totp(key, server.tessera.ctx.now()) }, '/confirm'));
    server.advance(30);

    // Strangers on five addresses, who know only the victim's `sub`, fail 4 sign-ins each (under every per-address limit).
    for (let a = 0; a < 5; a++) {
      const stranger = new Browser(server.issuer, fromIp(`10.20.1.${a}`));
      const form = isPage(await stranger.visit(`${server.issuer}/account`));
      await Promise.all(Array.from({ length: 4 }, (_, i) => stranger.submit(form, { username: `second-factor:${victim.sub}`, password: `guess ${i}` })));
    }

    // The victim signs in from their usual browser with the right password and the right code.
    const fresh = new Browser(server.issuer, fromIp('10.20.0.1'));
    for (const [k, v] of laptop.cookies) if (k === 'tessera_device') fresh.cookies.set(k, v);
    const factor = isPage(await fresh.submit(isPage(await fresh.visit(`${server.issuer}/account`)), { username: 'victim', password: victim.password }));
    assert.match(factor.html, /name="code"/, `the password is accepted and the code asked: ${textOf(factor.html)}`);
    const done = isPage(await fresh.submit(factor, { code: totp(key, server.tessera.ctx.now()) }));
    assert.notEqual(done.status, 429, `the right code was refused: ${alert(done)}`);
    assert.match(textOf(done.html), /Your account/, 'the victim is signed in');
  });
});
