import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { isPage, Browser, formOf, textOf, type Page } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';
import { buildClient } from '../../src/core/clients/registration.js';
import { MAX_APPS_PER_DEVELOPER } from '../../src/core/interaction/developer-console.js';

const CALLBACK = 'https://notes.example.com/callback';

const clientIdOf = (page: Page): string => /<code id="client_id">([^<]+)<\/code>/.exec(page.html)?.[1] ?? assert.fail(`no client id: ${textOf(page.html)}`);
const secretOf = (page: Page): string | undefined => /<code id="client_secret">([^<]+)<\/code>/.exec(page.html)?.[1];

describe('developer console', () => {
  let server: TestServer;
  let dev: { sub: string; username: string; password: string };
  let dev2: { sub: string; username: string; password: string };
  let outsider: { sub: string; username: string; password: string };

  before(async () => {
    server = await startTestServer({ consoleUsers: ['Dev', 'dev2'] });
    dev = await server.addUser({ username: 'dev' });
    dev2 = await server.addUser({ username: 'dev2' });
    outsider = await server.addUser({ username: 'outsider' });
  });
  after(() => server.close());

  /** Opens the console, signing in on the way as a person would. */
  async function openConsole(who: { username: string; password: string }, browser = new Browser(server.issuer)): Promise<{ browser: Browser; page: Page }> {
    const login = isPage(await browser.visit(`${server.issuer}/console`));
    assert.match(login.html, /name="password"/);
    const page = isPage(await browser.submit(login, { username: who.username, password: who.password }));
    return { browser, page };
  }

  async function register(browser: Browser, page: Page, fields: Record<string, string>): Promise<Page> {
    return isPage(await browser.submit(page, fields, '/console/apps'));
  }

  /** Registers a web app in the console and signs `who` in to it; the page that showed the secret, and the tokens. */
  async function registerAndSignIn(name: string, who: { username: string; password: string }) {
    const { browser, page } = await openConsole(dev);
    const created = await register(browser, page, { ...webApp, name });
    const clientId = clientIdOf(created);
    const secret = secretOf(created)!;
    const config = await discover(server, clientId, secret);
    const { tokens } = await codeFlow(server, config, CALLBACK, 'openid', { username: who.username, password: who.password });
    return { browser, created, clientId, secret, tokens };
  }

  const webApp = { name: 'Notes', type: 'web', redirect_uris: CALLBACK, 'scope:openid': 'on', 'scope:profile': 'on', description: 'Keeps notes' };

  it('is off unless the operator opens it, and only to the users named', async () => {
    const closed = await startTestServer();
    try {
      const user = await closed.addUser({ username: 'someone' });
      const browser = new Browser(closed.issuer);
      const login = isPage(await browser.visit(`${closed.issuer}/console`));
      const answer = isPage(await browser.submit(login, { username: user.username, password: user.password }));
      assert.equal(answer.status, 403);
      assert.match(textOf(answer.html), /not open to your account/);
    } finally {
      await closed.close();
    }
    const { page } = await openConsole(outsider);
    assert.equal(page.status, 403);
    const { page: allowed } = await openConsole(dev);
    assert.equal(allowed.status, 200);
    assert.match(textOf(allowed.html), /Register an app/);
  });

  it('registers a web app whose id and once-shown secret a real client signs users in with', async () => {
    const { browser, page } = await openConsole(dev);
    const created = await register(browser, page, webApp);
    assert.equal(created.status, 201);
    const clientId = clientIdOf(created);
    const secret = secretOf(created);
    assert.ok(secret && secret.length >= 40, 'the secret is shown after registration');

    // The app page never shows the secret again.
    const again = isPage(await browser.visit(`${server.issuer}/console/apps/${clientId}`));
    assert.equal(again.status, 200);
    assert.equal(secretOf(again), undefined);
    assert.ok(!again.html.includes(secret));

    // A user signs in to the new app; the consent page says nobody vouched for it.
    const config = await discover(server, clientId, secret);
    const user = new Browser(server.issuer);
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge('v'.repeat(43)), code_challenge_method: 'S256' });
    const login = isPage(await user.visit(url.href));
    const consent = isPage(await user.submit(login, { username: dev2.username, password: dev2.password }));
    assert.match(textOf(consent.html), /Unverified app/);
    const { tokens } = await codeFlow(server, config, CALLBACK, 'openid profile', { username: outsider.username, password: outsider.password });
    assert.equal(tokens.claims()?.sub, outsider.sub);
    assert.ok(tokens.refresh_token);
  });

  it('rotates the secret: the new one works at once, the old one no longer', async () => {
    const { browser, created, clientId, secret: oldSecret, tokens } = await registerAndSignIn('Rotating', dev);

    const rotated = isPage(await browser.submit(created, {}, '/secret'));
    assert.equal(rotated.status, 200);
    const newSecret = secretOf(rotated);
    assert.ok(newSecret && newSecret !== oldSecret);

    const refresh = (secret: string) => postForm(`${server.issuer}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, basic(clientId, secret));
    const withOld = await refresh(oldSecret);
    assert.equal(withOld.status, 401);
    assert.equal(withOld.body['error'], 'invalid_client');
    const withNew = await refresh(newSecret);
    assert.equal(withNew.status, 200, JSON.stringify(withNew.body));
  });

  it('edits redirect URIs with the same rules as registration, keeping the old ones on error', async () => {
    const { browser, page } = await openConsole(dev);
    const created = await register(browser, page, { ...webApp, name: 'Editable' });
    const clientId = clientIdOf(created);
    for (const bad of ['http://notes.example.com/cb', 'javascript:alert(1)', 'https://notes.example.com/cb#frag', 'https://*.example.com/cb', '']) {
      const refused = isPage(await browser.submit(created, { redirect_uris: bad }, '/redirect-uris'));
      assert.equal(refused.status, 400, bad);
      assert.match(refused.html, /class="error"/);
    }
    const saved = isPage(await browser.submit(created, { redirect_uris: `https://notes.example.com/a\r\nhttps://notes.example.com/b` }, '/redirect-uris'));
    assert.equal(saved.status, 200);
    const stored = await server.tessera.ctx.stores.clients.find(clientId);
    assert.deepEqual(stored?.redirectUris, ['https://notes.example.com/a', 'https://notes.example.com/b']);
  });

  it('refuses bad registrations with the form kept and every value escaped', async () => {
    const { browser, page } = await openConsole(dev);
    const before = (await server.tessera.ctx.stores.clients.listByOwner(dev.sub)).length;
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...webApp, name: '' }, /name/],
      [{ ...webApp, type: 'mainframe' }, /kind of app/],
      [{ ...webApp, redirect_uris: '' }, /redirect URI/],
      [{ ...webApp, redirect_uris: 'http://notes.example.com/cb' }, /https/],
      [{ ...webApp, redirect_uris: 'data:text/html,hi' }, /redirect URI/],
      [{ ...webApp, logo_uri: 'https://127.0.0.1/logo.png' }, /logo_uri/],
      [{ ...webApp, logo_uri: 'http://cdn.example.com/logo.png' }, /https/],
      [{ ...webApp, description: 'x'.repeat(1001) }, /description/],
    ];
    for (const [fields, message] of cases) {
      const refused = await register(browser, page, fields);
      assert.equal(refused.status, 400, JSON.stringify(fields));
      assert.match(/<p class="error" role="alert">([^<]*)<\/p>/.exec(refused.html)?.[1] ?? '', message);
    }
    const hostile = await register(browser, page, { ...webApp, name: '<script>alert(1)</script>', redirect_uris: '"><img src=x>' });
    assert.equal(hostile.status, 400);
    assert.ok(!hostile.html.includes('<script>alert(1)'));
    assert.ok(!hostile.html.includes('"><img'));
    assert.ok(hostile.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the name is kept, escaped');
    assert.equal((await server.tessera.ctx.stores.clients.listByOwner(dev.sub)).length, before, 'nothing was stored');

    // Escaped where stored values come back, too.
    const stored = await register(browser, page, { ...webApp, name: 'A <b>bold</b> & "quoted" app' });
    assert.equal(stored.status, 201);
    assert.ok(stored.html.includes('A &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; app'));
  });

  it('gives self-registered apps only the scopes the operator opened to self-service', async () => {
    const { browser, page } = await openConsole(dev);
    const created = await register(browser, page, { ...webApp, name: 'Greedy', 'scope:payments:write': 'on', 'scope:email': 'on' });
    assert.equal(created.status, 201);
    const stored = await server.tessera.ctx.stores.clients.find(clientIdOf(created));
    assert.deepEqual(stored?.scopes, ['openid', 'profile', 'email']);
    assert.equal(stored?.origin, 'console');
    assert.equal(stored?.ownerId, dev.sub);
  });

  it('registers SPAs and native apps without a secret, and services that use client credentials', async () => {
    const { browser, page } = await openConsole(dev);
    const spa = await register(browser, page, { ...webApp, name: 'SPA', type: 'spa' });
    assert.equal(spa.status, 201);
    assert.equal(secretOf(spa), undefined);
    assert.equal((await server.tessera.ctx.stores.clients.find(clientIdOf(spa)))?.type, 'public');
    assert.ok(!spa.html.includes('/secret"'), 'no rotate button for an app without a secret');

    const native = await register(browser, page, { ...webApp, name: 'CLI', type: 'native', redirect_uris: 'http://127.0.0.1/callback\ncom.example.notes:/cb' });
    assert.equal(native.status, 201, textOf(native.html));
    assert.equal((await server.tessera.ctx.stores.clients.find(clientIdOf(native)))?.applicationType, 'native');

    const service = await register(browser, page, { name: 'Nightly job', type: 'service', redirect_uris: '' });
    assert.equal(service.status, 201, textOf(service.html));
    const token = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(clientIdOf(service), secretOf(service)!));
    assert.equal(token.status, 200, JSON.stringify(token.body));
    assert.equal(typeof token.body['access_token'], 'string');
  });

  it("protects every form with the session's CSRF token and keeps developers out of each other's apps", async () => {
    const { browser, page } = await openConsole(dev);
    const created = await register(browser, page, { ...webApp, name: 'Mine' });
    const clientId = clientIdOf(created);
    const action = `${server.issuer}/console/apps/${clientId}/secret`;
    const post = (b: Browser, body: Record<string, string>) =>
      b.request(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() });

    for (const body of [{}, { csrf: 'forged' }]) {
      const refused = await post(browser, body);
      assert.equal(refused.status, 403);
      assert.match(await refused.text(), /form was not valid/);
    }
    const createForged = await browser.request(`${server.issuer}/console/apps`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...webApp, csrf: 'x' }).toString() });
    assert.equal(createForged.status, 403);

    // Another developer, with a valid token of their own, cannot see, rotate or delete this app.
    const other = await openConsole(dev2);
    const theirCsrf = formOf(other.page.html, '/console/apps').hidden['csrf']!;
    assert.equal((await other.browser.request(`${server.issuer}/console/apps/${clientId}`)).status, 404);
    for (const path of ['/secret', '/delete', '/redirect-uris']) {
      const answer = await other.browser.request(`${server.issuer}/console/apps/${clientId}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: theirCsrf, redirect_uris: 'https://evil.example/cb' }).toString(),
      });
      assert.equal(answer.status, 404, path);
    }
    const stored = await server.tessera.ctx.stores.clients.find(clientId);
    assert.deepEqual(stored?.redirectUris, [CALLBACK]);

    // Without a session a form post goes back to the console, which asks to sign in.
    const anonymous = await post(new Browser(server.issuer), { csrf: 'x' });
    assert.equal(anonymous.status, 303);
  });

  it('deletes an app, revoking what it holds', async () => {
    const { browser, created, clientId, secret, tokens } = await registerAndSignIn('Doomed', dev2);

    const list = isPage(await browser.submit(created, {}, '/delete'));
    assert.equal(list.status, 200);
    assert.ok(!list.html.includes(clientId), 'gone from the list');
    assert.equal(await server.tessera.ctx.stores.clients.find(clientId), undefined);
    const refresh = await postForm(`${server.issuer}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, basic(clientId, secret));
    assert.equal(refresh.status, 401);
    assert.equal((await fetch(`${server.issuer}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status, 401);
  });

  it('holds a developer to the app cap even under a burst of concurrent registrations', async () => {
    const { ctx } = server.tessera;
    // One short of the cap, registered earlier.
    for (let i = (await ctx.stores.clients.listByOwner(dev2.sub)).length; i < MAX_APPS_PER_DEVELOPER - 1; i++) {
      const { client: app } = buildClient({ name: `Old ${i}`, redirectUris: [CALLBACK] }, ctx.pepper, ctx.now());
      await ctx.stores.clients.create({ ...app, origin: 'console', ownerId: dev2.sub });
    }
    const { browser, page } = await openConsole(dev2);
    // Open 40 connections first, so that the burst below arrives at once rather than one by one as connections open.
    await Promise.all(Array.from({ length: 40 }, () => browser.visit(`${server.issuer}/console`)));
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => browser.submit(page, { ...webApp, name: `Burst ${i}` }, '/console/apps').then(isPage)));
    assert.equal(answers.filter((a) => a.status === 201).length, 1, 'one registration fits under the cap');
    for (const refused of answers.filter((a) => a.status !== 201)) {
      assert.equal(refused.status, 400);
      assert.match(textOf(refused.html), new RegExp(`You already have ${MAX_APPS_PER_DEVELOPER} apps`));
    }
    assert.equal((await ctx.stores.clients.listByOwner(dev2.sub)).length, MAX_APPS_PER_DEVELOPER);
  });
});
