import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';
import { totp } from '../helpers/totp.js';

/**
 * Attack (review of issues 15/16): a user's TOTP enrollment is one pending row per user, and every
 * "wrong code" page re-reads it (`pendingEnrollment`) and shows its key. So any other session of
 * the same user (an attacker who signed in with a stolen password before the user turned on
 * two-step verification) posts one wrong code to /account/second-factor/confirm and is shown the
 * key the user is setting up in their own browser. Once the user confirms it, the attacker holds
 * the very second factor that was meant to lock them out.
 */

const keyOf = (page: Page): string | undefined => /<code id="totp_secret">([A-Z2-7]+)<\/code>/.exec(page.html)?.[1];

describe("a second factor being set up stays the user's own", () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ signInLimits: { delayMs: 1 } });
  });
  after(() => server.close());

  it("never shows another session the key the user is enrolling in their own browser", async () => {
    const wendy = await server.addUser({ username: 'wendy' });
    // The attacker signed in with Wendy's stolen password (she has no second factor yet).
    const attacker = new Browser(server.issuer);
    const attackerAccount = isPage(await attacker.submit(isPage(await attacker.visit(`${server.issuer}/account`)), { username: 'wendy', password: wendy.password }));
    assert.match(textOf(attackerAccount.html), /Your account/);
    // The attacker opens the set-up form too (any key), so it has the confirm form's token.
    const attackerSetup = isPage(await attacker.submit(attackerAccount, {}, '/account/second-factor'));

    // Wendy, worried, turns on two-step verification in her own browser.
    const laptop = new Browser(server.issuer);
    const account = isPage(await laptop.submit(isPage(await laptop.visit(`${server.issuer}/account`)), { username: 'wendy', password: wendy.password }));
    const setup = isPage(await laptop.submit(account, {}, '/account/second-factor'));
    const wendysKey = keyOf(setup)!;

    // The attacker posts one wrong code: the error page shows the key pending now.
    const now = server.tessera.ctx.now();
    const wrong = ['000000', '111111'].find((c) => c !== totp(wendysKey, now) && c !== totp(wendysKey, now - 30) && c !== totp(wendysKey, now + 30))!;
    const shown = isPage(await attacker.submit(attackerSetup, { code: wrong }, '/confirm'));
    const leaked = keyOf(shown);

    // Wendy confirms her key and gets backup codes.
    const codes = isPage(await laptop.submit(setup, { code: totp(wendysKey, server.tessera.ctx.now()) }, '/confirm'));
    assert.match(textOf(codes.html), /backup/i, `Wendy's key is confirmed: ${textOf(codes.html).slice(0, 200)}`);

    assert.notEqual(leaked, wendysKey, "the attacker's wrong-code page showed Wendy's new TOTP key, so the attacker can now make her codes");
  });
});
