import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { discover } from '../helpers/oidc.js';
import { isPage, Browser, formOf, textOf, type Page } from '../helpers/browser.js';
import { postForm } from '../helpers/http.js';

/**
 * The device flow's decision applies only to the code this browser session entered and was shown
 * (RFC 8628 §5.1, §5.4; issue 15 §3): a user code posted straight to the decision form is ignored,
 * so guessing there gets nowhere and nobody's TV is signed into someone else's account.
 */

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

describe('device decisions are bound to the code the session entered', () => {
  let server: TestServer;
  let tv: { clientId: string };
  let config: client.Configuration;

  before(async () => {
    server = await startTestServer({ devicePollInterval: 1 });
    tv = await server.addClient({ name: 'Living Room TV', type: 'public', grantTypes: [DEVICE_GRANT], scopes: ['openid'] });
    config = await discover(server, tv.clientId);
  });
  after(() => server.close());

  /** A signed-in browser at the device page: the page, and the decision form's action and token. */
  async function attacker(username: string): Promise<{ browser: Browser; page: Page; decision: { action: string; csrf: string } }> {
    const user = await server.addUser({ username });
    const browser = new Browser(server.issuer);
    const page = isPage(await browser.submit(isPage(await browser.visit(`${server.issuer}/device`)), { username, password: user.password }));
    const form = formOf(page.html);
    return { browser, page, decision: { action: `${server.issuer}/device/decision`, csrf: form.hidden['csrf']! } };
  }

  const poll = async (deviceCode: string) => (await postForm(`${server.issuer}/token`, { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: tv.clientId })).body['error'];

  it("refuses to approve a victim's code posted straight to the decision form", async () => {
    const victim = await client.initiateDeviceAuthorization(config, { scope: 'openid' });
    const { browser, decision } = await attacker('mallory');
    const approved = isPage(
      await browser.visit(decision.action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: decision.csrf, decision: 'allow', user_code: victim.user_code }).toString(),
      }),
    );
    assert.doesNotMatch(textOf(approved.html), /Device connected/);
    assert.equal(await poll(victim.device_code), 'authorization_pending', "the victim's TV is not signed in to mallory's account");
  });

  it('ignores a burst of 40 concurrent guesses at the decision form, the real code among them', async () => {
    const victim = await client.initiateDeviceAuthorization(config, { scope: 'openid' });
    const { browser, decision } = await attacker('oscar');
    const letters = 'BCDFGHJKLMNPQRSTVWXZ';
    const guesses = Array.from({ length: 39 }, (_, i) => `${letters[i % 20]}${letters[(i * 7) % 20]}CD-FGHJ`);
    const pages = await Promise.all(
      [...guesses, victim.user_code].map((user_code) =>
        browser.visit(decision.action, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ csrf: decision.csrf, decision: 'allow', user_code }).toString(),
        }),
      ),
    );
    assert.equal(pages.map(isPage).filter((p) => /Device connected/.test(textOf(p.html))).length, 0);
    assert.equal(await poll(victim.device_code), 'authorization_pending');
  });

  it('approves the code the session entered, once, even if the form names another', async () => {
    const mine = await client.initiateDeviceAuthorization(config, { scope: 'openid' });
    const other = await client.initiateDeviceAuthorization(config, { scope: 'openid' });
    const { browser, page } = await attacker('pia');
    const confirm = isPage(await browser.submit(page, { user_code: mine.user_code }));
    assert.match(textOf(confirm.html), /Living Room TV wants to access your account/);
    assert.match(textOf(confirm.html), new RegExp(mine.user_code));
    // A tampered form naming another code still decides only the session's own.
    const done = isPage(await browser.submit(confirm, { decision: 'allow', user_code: other.user_code }));
    assert.match(textOf(done.html), /Device connected/);
    assert.equal(await poll(other.device_code), 'authorization_pending');
    const tokens = await client.pollDeviceAuthorizationGrant(config, mine);
    assert.ok(tokens.access_token);
    // The session's code is spent: deciding again finds nothing to decide.
    const again = isPage(await browser.submit(confirm, { decision: 'deny' }));
    assert.match(textOf(again.html), /expired or was already answered/);
  });
});
