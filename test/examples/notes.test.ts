import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, freePort, type TestServer } from '../helpers/server.js';
import { runExample, type Example } from '../helpers/examples.js';
import { Browser, type Page } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';

/** The notes API, the CLI (device flow) and the service (client credentials) against a real Tessera. */
describe('example apps', () => {
  let server: TestServer;
  let api: Example;
  let apiUrl: string;
  let alice: { sub: string; username: string; password: string };

  before(async () => {
    server = await startTestServer();
    alice = await server.addUser({ username: 'alice', name: 'Alice Liddell' });
    const port = await freePort();
    api = runExample('notes-api.mjs', { TESSERA_ISSUER: server.issuer, PORT: String(port) });
    apiUrl = (await api.waitFor(/notes API listening on (\S+)/))[1]!;
  });
  after(async () => {
    api?.stop();
    await server.close();
  });

  it('the API refuses requests without a token or without the scope (RFC 6750)', async () => {
    const none = await fetch(`${apiUrl}/notes`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="notes"');
    const reader = await server.addClient({ name: 'Reader', grantTypes: ['client_credentials'], scopes: ['notes:read'] });
    const token = String((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope: 'notes:read' }, basic(reader.clientId, reader.secret!))).body['access_token']);
    const write = await fetch(`${apiUrl}/notes`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"text":"x"}' });
    assert.equal(write.status, 403);
    assert.match(write.headers.get('www-authenticate')!, /error="insufficient_scope".*scope="notes:write"/);
  });

  it('the service calls the API with one cached client-credentials token for several calls', async () => {
    const service = await server.addClient({ name: 'Notes service', grantTypes: ['client_credentials'], scopes: ['notes:read'] });
    const run = runExample('notes-service.mjs', { TESSERA_ISSUER: server.issuer, CLIENT_ID: service.clientId, CLIENT_SECRET: service.secret!, NOTES_API: apiUrl, CALLS: '3' });
    assert.equal(await run.exited(), 0, run.output());
    assert.equal(run.output().match(/fetched a new access token/g)?.length, 1, run.output());
    assert.deepEqual(run.output().match(/call \d: \d+/g), ['call 1: 200', 'call 2: 200', 'call 3: 200']);
  });

  it('the CLI signs in with the device flow, the user approves in a browser, and it lists their notes', async () => {
    const cli = await server.addClient({ name: 'Notes CLI', type: 'public', grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'], scopes: ['openid', 'profile', 'notes:read', 'notes:write'] });
    const run = runExample('notes-cli.mjs', { TESSERA_ISSUER: server.issuer, CLIENT_ID: cli.clientId, NOTES_API: apiUrl });
    const [, userCode] = await run.waitFor(/enter the code (\S+)/);
    const [, complete] = await run.waitFor(/\(or open (\S+)\)/);
    const browser = new Browser(server.issuer);
    let step = await browser.visit(complete!);
    for (let i = 0; i < 4 && !('leftTo' in step); i++) {
      const page: Page = step;
      if (/name="password"/.test(page.html)) step = await browser.submit(page, { username: 'alice', password: alice.password });
      else if (/name="decision"/.test(page.html)) step = await browser.submit(page, { decision: 'allow' });
      else if (/name="user_code"/.test(page.html)) step = await browser.submit(page, { user_code: userCode! });
      else break;
    }
    assert.ok(!('leftTo' in step) && /Device connected/.test(step.html), 'the device page confirms');
    await run.waitFor(/note\(s\)/);
    assert.equal(await run.exited(), 0, run.output());
    assert.match(run.output(), /Signed in as Alice Liddell/);
    assert.match(run.output(), /0 note\(s\)/);
  });
});
