import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { discover } from '../helpers/oidc.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';
import { postForm } from '../helpers/http.js';

/**
 * Attack (review of issues 15/16): the device decision applies to "the code this session entered"
 * as it is *when the decision arrives*, not to the request the page showed. A second tab that
 * enters another code (an attacker's code the user was talked into typing, and then left alone)
 * silently retargets the confirmation page of the first tab: the user reads "Living Room TV",
 * clicks Allow, and the attacker's device is signed in to their account instead (RFC 8628 §5.4).
 */

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

describe('a device decision approves the request its page showed', () => {
  let server: TestServer;
  let tv: { clientId: string };
  let other: { clientId: string };

  before(async () => {
    server = await startTestServer({ devicePollInterval: 1 });
    tv = await server.addClient({ name: 'Living Room TV', type: 'public', grantTypes: [DEVICE_GRANT], scopes: ['openid'] });
    other = await server.addClient({ name: 'Gadget', type: 'public', grantTypes: [DEVICE_GRANT], scopes: ['openid', 'profile', 'email'] });
  });
  after(() => server.close());

  it('does not let a code entered in a second tab take over the first tab\'s Allow', async () => {
    const mine = await client.initiateDeviceAuthorization(await discover(server, tv.clientId), { scope: 'openid' });
    const theirs = await client.initiateDeviceAuthorization(await discover(server, other.clientId), { scope: 'openid profile email' });
    const user = await server.addUser({ username: 'xena' });
    const browser = new Browser(server.issuer);
    const codeStep = isPage(await browser.submit(isPage(await browser.visit(`${server.issuer}/device`)), { username: 'xena', password: user.password }));

    // Tab 1: Xena's TV code; the page names the TV.
    const tab1 = isPage(await browser.submit(codeStep, { user_code: mine.user_code }));
    assert.match(textOf(tab1.html), /Living Room TV/);
    // Tab 2: a code she was talked into typing; she reads "Gadget" there and walks away from that tab.
    const tab2 = isPage(await browser.submit(codeStep, { user_code: theirs.user_code }));
    assert.match(textOf(tab2.html), /Gadget/);

    // Back in tab 1 she allows the TV.
    const done = isPage(await browser.submit(tab1, { decision: 'allow' }));
    const poll = async (deviceCode: string, clientId: string) =>
      (await postForm(`${server.issuer}/token`, { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: clientId })).body;
    const gadget = await poll(theirs.device_code, other.clientId);
    const living = await poll(mine.device_code, tv.clientId);
    assert.equal(gadget['error'], 'authorization_pending', `the device whose page she never approved got tokens (${textOf(done.html).slice(0, 80)}): ${JSON.stringify(gadget).slice(0, 80)}`);
    assert.ok(typeof living['access_token'] === 'string', `the TV she approved is still waiting: ${JSON.stringify(living)}`);
  });
});
