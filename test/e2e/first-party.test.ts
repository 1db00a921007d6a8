import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { discover } from '../helpers/oidc.js';
import { Browser, isPage, textOf, type Page } from '../helpers/browser.js';
import { tessera, tesseraJson } from '../helpers/cli.js';

const CALLBACK = 'https://intranet.example.com/callback';

interface Flow {
  url: string;
  verifier: string;
  state: string;
}

async function authorizationUrl(config: client.Configuration, scope: string, extra: Record<string, string> = {}): Promise<Flow> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK, scope, state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
  });
  return { url: url.href, verifier, state };
}

const isConsentPage = (step: Page | { leftTo: string }): boolean => !('leftTo' in step) && /name="decision"/.test(step.html);

describe('first-party apps: operators trust them, users are not asked to consent', () => {
  let server: TestServer;
  let erin: { sub: string; username: string; password: string };

  before(async () => {
    server = await startTestServer();
    erin = await server.addUser({ username: 'erin' });
  });
  after(() => server.close());

  /** An operator registers an app with the CLI, as the docs say. */
  async function operatorApp(name: string, ...flags: string[]): Promise<{ client_id: string; client_secret: string; first_party: boolean }> {
    return tesseraJson(['client', 'create', '--name', name, '--redirect-uri', CALLBACK, '--grant-type', 'authorization_code', '--grant-type', 'refresh_token', '--scope', 'openid profile offline_access', ...flags, ...server.storeArgs]);
  }

  /** Signs erin in on the login page; what follows it (the consent page, or the way back to the app). */
  async function signIn(browser: Browser, flow: Flow): Promise<Page | { leftTo: string }> {
    const login = isPage(await browser.visit(flow.url));
    assert.match(login.html, /name="password"/);
    return browser.submit(login, { username: erin.username, password: erin.password });
  }

  it('gives a first-party app a code without a consent page, records the consent as a grant, and audits it as automatic', async () => {
    const created = await operatorApp('Intranet', '--first-party');
    assert.equal(created.first_party, true);
    const shown = await tessera(['client', 'show', created.client_id, ...server.storeArgs]);
    assert.match(shown.stdout, /^first_party\s+true$/m);
    const listed = await tessera(['client', 'list', ...server.storeArgs]);
    assert.match(listed.stdout.split('\n')[0]!, /first_party/);

    const config = await discover(server, created.client_id, created.client_secret);
    const browser = new Browser(server.issuer);
    const flow = await authorizationUrl(config, 'openid profile offline_access');
    const back = await signIn(browser, flow);
    assert.ok('leftTo' in back, 'straight back to the app after the login page');
    const tokens = await client.authorizationCodeGrant(config, new URL(back.leftTo), { pkceCodeVerifier: flow.verifier, expectedState: flow.state });
    assert.equal(tokens.claims()?.sub, erin.sub);
    assert.equal(tokens.scope, 'openid profile offline_access');
    assert.ok(tokens.refresh_token, 'offline access follows the same scope rules as for other apps');

    const grant = await server.tessera.ctx.stores.grants.find(erin.sub, created.client_id);
    assert.deepEqual(grant?.scopes.sort(), ['offline_access', 'openid', 'profile']);
    const events = await server.tessera.ctx.stores.audit.list({ user: erin.sub, type: 'consent.given', limit: 10 });
    assert.deepEqual(events.filter((e) => e.clientId === created.client_id).map((e) => e.reason), ['automatic: openid profile offline_access']);

    // Signed in already: a silent request (prompt=none) gets its code too.
    const silent = await browser.visit((await authorizationUrl(config, 'openid', { prompt: 'none' })).url);
    assert.ok('leftTo' in silent && new URL(silent.leftTo).searchParams.get('code'));
  });

  it('lists the consent on /account; revoking it there ends the tokens (the next refresh fails)', async () => {
    const created = await operatorApp('Wiki', '--first-party');
    const config = await discover(server, created.client_id, created.client_secret);
    const browser = new Browser(server.issuer);
    const flow = await authorizationUrl(config, 'openid offline_access');
    const back = await signIn(browser, flow);
    assert.ok('leftTo' in back);
    const tokens = await client.authorizationCodeGrant(config, new URL(back.leftTo), { pkceCodeVerifier: flow.verifier, expectedState: flow.state });

    const account = isPage(await browser.visit(`${server.issuer}/account`));
    assert.match(textOf(account.html), /Wiki/);
    const grant = await server.tessera.ctx.stores.grants.find(erin.sub, created.client_id);
    assert.ok(grant && account.html.includes(`value="${grant.grantId}"`));
    const revoked = isPage(await browser.submit(account, { grant_id: grant.grantId }));
    assert.doesNotMatch(textOf(revoked.html), /Wiki/);
    await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token!), (e: client.ResponseBodyError) => e.error === 'invalid_grant');
    assert.equal(await server.tessera.ctx.stores.grants.find(erin.sub, created.client_id), undefined);
    const events = await server.tessera.ctx.stores.audit.list({ user: erin.sub, type: 'consent.revoked', limit: 10 });
    assert.ok(events.some((e) => e.clientId === created.client_id && e.reason === 'account_page'));
  });

  it('still shows the consent page for prompt=consent (OpenID Connect Core 3.1.2.1), and honours Deny there', async () => {
    const created = await operatorApp('Payroll', '--first-party');
    const config = await discover(server, created.client_id, created.client_secret);
    const browser = new Browser(server.issuer);
    const asked = await signIn(browser, await authorizationUrl(config, 'openid', { prompt: 'consent' }));
    assert.ok(isConsentPage(asked), 'the login is followed by the consent page');
    assert.doesNotMatch(textOf(isPage(asked).html), /Unverified app/);
    const denied = await browser.submit(isPage(asked), { decision: 'deny' });
    assert.ok('leftTo' in denied);
    assert.equal(new URL(denied.leftTo).searchParams.get('error'), 'access_denied');
    assert.equal(await server.tessera.ctx.stores.grants.find(erin.sub, created.client_id), undefined, 'denied: nothing recorded');

    // With the session, prompt=consent still asks; without it the app goes straight through.
    assert.ok(isConsentPage(await browser.visit((await authorizationUrl(config, 'openid', { prompt: 'consent' })).url)));
    assert.ok('leftTo' in (await browser.visit((await authorizationUrl(config, 'openid')).url)));
  });

  it('asks for consent for other apps, and again once an operator runs client update --no-first-party', async () => {
    const ordinary = await operatorApp('Photos');
    assert.equal(ordinary.first_party, false);
    const config = await discover(server, ordinary.client_id, ordinary.client_secret);
    assert.ok(isConsentPage(await signIn(new Browser(server.issuer), await authorizationUrl(config, 'openid'))));

    const trusted = await operatorApp('Calendar', '--first-party');
    const updated = await tesseraJson<{ first_party: boolean }>(['client', 'update', trusted.client_id, '--no-first-party', ...server.storeArgs]);
    assert.equal(updated.first_party, false);
    const calendar = await discover(server, trusted.client_id, trusted.client_secret);
    assert.ok(isConsentPage(await signIn(new Browser(server.issuer), await authorizationUrl(calendar, 'openid'))));
    const again = await tesseraJson<{ first_party: boolean; client_name: string }>(['client', 'update', trusted.client_id, '--first-party', ...server.storeArgs]);
    assert.deepEqual([again.first_party, again.client_name], [true, 'Calendar']);
    assert.ok('leftTo' in (await signIn(new Browser(server.issuer), await authorizationUrl(calendar, 'openid'))));
    const changes = await server.tessera.ctx.stores.audit.list({ type: 'client.changed', limit: 50 });
    assert.deepEqual(changes.filter((e) => e.clientId === trusted.client_id).map((e) => e.reason).filter((r) => r?.startsWith('first_party')).sort(), ['first_party_off', 'first_party_on']);
  });

  it('never lets dynamic registration (RFC 7591) make an app first-party', async () => {
    const { token } = await tesseraJson<{ token: string }>(['registration-token', 'create', '--uses', '1', ...server.storeArgs]);
    const response = await fetch(`${server.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ client_name: 'Self-made', redirect_uris: [CALLBACK], scope: 'openid', first_party: true }),
    });
    assert.equal(response.status, 201);
    const registered = (await response.json()) as Record<string, unknown>;
    assert.equal(registered['first_party'], false, 'the answer says what the server kept (RFC 7591 section 3.2.1)');
    const stored = await server.tessera.ctx.stores.clients.find(registered['client_id'] as string);
    assert.equal(stored?.firstParty, false);

    // RFC 7592: the app cannot turn it on later either.
    const put = await fetch(registered['registration_client_uri'] as string, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${registered['registration_access_token'] as string}` },
      body: JSON.stringify({ client_id: registered['client_id'], client_name: 'Self-made', redirect_uris: [CALLBACK], scope: 'openid', first_party: true }),
    });
    assert.equal(put.status, 200);
    assert.equal(((await put.json()) as Record<string, unknown>)['first_party'], false);

    const config = await discover(server, registered['client_id'] as string, registered['client_secret'] as string);
    const asked = await signIn(new Browser(server.issuer), await authorizationUrl(config, 'openid'));
    assert.ok(isConsentPage(asked));
    assert.match(textOf(isPage(asked).html), /Unverified app/);
  });

  it('never lets the developer console make an app first-party', async () => {
    const consoleServer = await startTestServer({ consoleUsers: ['dev'] });
    try {
      const dev = await consoleServer.addUser({ username: 'dev' });
      const browser = new Browser(consoleServer.issuer);
      const login = isPage(await browser.visit(`${consoleServer.issuer}/console`));
      const consolePage = isPage(await browser.submit(login, { username: dev.username, password: dev.password }));
      const created = isPage(await browser.submit(consolePage, { name: 'Sneaky', type: 'web', redirect_uris: CALLBACK, 'scope:openid': 'on', first_party: 'on', firstParty: 'true' }, '/console/apps'));
      assert.equal(created.status, 201, textOf(created.html));
      const clientId = /<code id="client_id">([^<]+)<\/code>/.exec(created.html)?.[1] ?? assert.fail('no client id');
      const stored = await consoleServer.tessera.ctx.stores.clients.find(clientId);
      assert.deepEqual([stored?.origin, stored?.firstParty], ['console', false]);
    } finally {
      await consoleServer.close();
    }
  });
});
