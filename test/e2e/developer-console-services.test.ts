import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';

const NOTES = 'https://notes.example.com';
const clientIdOf = (page: Page): string => /<code id="client_id">([^<]+)<\/code>/.exec(page.html)?.[1] ?? assert.fail(`no client id: ${textOf(page.html)}`);
const secretOf = (page: Page): string => /<code id="client_secret">([^<]+)<\/code>/.exec(page.html)?.[1] ?? assert.fail('no secret');
/** What a browser sends for the scope boxes checked by default (openid, profile, email). */
const DEFAULT_BOXES = { 'scope:openid': 'on', 'scope:profile': 'on', 'scope:email': 'on' };

async function openConsole(server: TestServer, who: { username: string; password: string }): Promise<{ browser: Browser; page: Page }> {
  const browser = new Browser(server.issuer);
  const login = isPage(await browser.visit(`${server.issuer}/console`));
  const page = isPage(await browser.submit(login, { username: who.username, password: who.password }));
  return { browser, page };
}

const registerService = async (browser: Browser, page: Page, fields: Record<string, string> = {}) =>
  isPage(await browser.submit(page, { name: 'Nightly job', type: 'service', redirect_uris: '', ...DEFAULT_BOXES, ...fields }, '/console/apps'));

/**
 * A "Service" registered in the developer console holds the API scopes the operator allows for
 * services: the self-service scopes (--self-service-scopes) that an API defines.
 */
describe('developer console: the scopes of a service', () => {
  let server: TestServer;
  let dev: { username: string; password: string };

  before(async () => {
    server = await startTestServer({
      consoleUsers: ['dev'],
      // notes:read and notes:export are open to self-service; reports:read too, but no API defines it.
      selfServiceScopes: ['openid', 'profile', 'email', 'offline_access', 'notes:read', 'notes:export', 'reports:read'],
    });
    await server.addApi({
      identifier: NOTES,
      name: 'Notes',
      scopes: [
        { name: 'notes:read', description: 'Read your notes' },
        { name: 'notes:write', description: 'Change your notes' },
        { name: 'notes:export', description: 'Export every note' },
      ],
    });
    dev = await server.addUser({ username: 'dev' });
  });
  after(() => server.close());

  it('gives a service every API scope open to services when none is checked, and its tokens carry them', async () => {
    const { browser, page } = await openConsole(server, dev);
    assert.match(textOf(page.html), /every API scope open to services: notes:read notes:export \./);
    assert.match(page.html, /Read your notes <code>notes:read<\/code>/, "an API scope is described in its API's words");

    const service = await registerService(browser, page);
    assert.equal(service.status, 201, textOf(service.html));
    assert.match(textOf(service.html), /Scopes notes:read notes:export Registered/);
    const stored = await server.tessera.ctx.stores.clients.find(clientIdOf(service));
    assert.deepEqual(stored?.scopes, ['notes:read', 'notes:export'], 'no OpenID Connect scope: a service acts for itself');

    const token = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', resource: NOTES }, basic(clientIdOf(service), secretOf(service)));
    assert.equal(token.status, 200, JSON.stringify(token.body));
    assert.equal(token.body['scope'], 'notes:read notes:export');
  });

  it('gives a service only the service scopes checked, and never one the operator did not open to services', async () => {
    const { browser, page } = await openConsole(server, dev);
    const narrow = await registerService(browser, page, { 'scope:notes:read': 'on' });
    assert.deepEqual((await server.tessera.ctx.stores.clients.find(clientIdOf(narrow)))?.scopes, ['notes:read']);

    // reports:read is self-service but no API defines it; notes:write is an API's but not self-service.
    const greedy = await registerService(browser, page, { 'scope:reports:read': 'on', 'scope:notes:write': 'on', 'scope:notes:export': 'on' });
    assert.deepEqual((await server.tessera.ctx.stores.clients.find(clientIdOf(greedy)))?.scopes, ['notes:export']);
  });

  it('still gives an app that signs users in exactly the scopes checked', async () => {
    const { browser, page } = await openConsole(server, dev);
    const web = isPage(await browser.submit(page, { name: 'Notes web', type: 'web', redirect_uris: 'https://app.example.com/cb', ...DEFAULT_BOXES, 'scope:notes:read': 'on' }, '/console/apps'));
    assert.equal(web.status, 201, textOf(web.html));
    assert.deepEqual((await server.tessera.ctx.stores.clients.find(clientIdOf(web)))?.scopes, ['openid', 'profile', 'email', 'notes:read']);
  });

  it('says why a service holds no scope when the operator opened none to services', async () => {
    const closed = await startTestServer({ consoleUsers: 'all' });
    try {
      await closed.addApi({ identifier: NOTES, name: 'Notes', scopes: [{ name: 'notes:read', description: 'Read your notes' }] });
      const someone = await closed.addUser({ username: 'someone' });
      const { browser, page } = await openConsole(closed, someone);
      assert.match(textOf(page.html), /No API scope is open to services registered here/);
      const service = await registerService(browser, page, { 'scope:notes:read': 'on' });
      assert.equal(service.status, 201, textOf(service.html));
      assert.match(textOf(service.html), /Scopes none No API scope is open to services registered here\. Ask the operator of this server/);
      assert.deepEqual((await closed.tessera.ctx.stores.clients.find(clientIdOf(service)))?.scopes, []);
    } finally {
      await closed.close();
    }
  });

  it("lays the console's pages out on the screen's width, in one column on a phone", async () => {
    const { page } = await openConsole(server, dev);
    assert.match(page.html, /<body class="console">/);
    assert.match(page.html, /<div class="columns">/);
    const css = await (await fetch(`${server.issuer}/assets/tessera.css`)).text();
    assert.match(css, /body\.console main \{ max-width: 72rem;/);
    assert.match(css, /@media \(max-width: 48rem\) \{\s*body\.console main \{[^}]*\}\s*body\.console \.columns \{ grid-template-columns: minmax\(0, 1fr\); \}/);
  });
});
