import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { grantAdminRole } from '../helpers/admin-console.js';
import { textOf } from '../helpers/browser.js';

/** The links of a page, as written in its HTML. */
const hrefs = (page: string): string[] => [...page.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]!);

describe('GET /: the landing page', () => {
  let plain: TestServer;
  let open: TestServer;

  before(async () => {
    plain = await startTestServer();
    open = await startTestServer({ consoleUsers: 'all' });
    await open.addUser({ username: 'olga' });
    await grantAdminRole(open, 'olga');
  });
  after(async () => {
    await plain.close();
    await open.close();
  });

  it('is an HTML page with the shared head and the security headers, linking to the account page and discovery', async () => {
    const r = await fetch(`${plain.issuer}/`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
    const page = await r.text();
    assert.match(page, /^<!doctype html>/);
    // The stylesheet under a URL that changes with its content (a new --brand-color is fetched at once).
    assert.match(page, /<link rel="stylesheet" href="\/assets\/tessera.css\?v=[A-Za-z0-9_-]{8}">/);
    assert.match(page, /<meta name="viewport"/);
    assert.match(textOf(page), new RegExp(`The sign-in server at ${plain.issuer.replace(/\./g, '\\.')}`));
    assert.deepEqual(hrefs(page), [`${plain.issuer}/account`, `${plain.issuer}/.well-known/openid-configuration`], 'no console is open on this server');
    assert.equal((await fetch(`${plain.issuer}/`, { method: 'HEAD' })).status, 200);
  });

  it('links to the developer console and the admin console when the operator opened them', async () => {
    const page = await (await fetch(`${open.issuer}/`)).text();
    assert.deepEqual(hrefs(page), [`${open.issuer}/account`, `${open.issuer}/console`, `${open.issuer}/admin`, `${open.issuer}/.well-known/openid-configuration`]);
    for (const href of hrefs(page)) {
      const followed = await fetch(href, { redirect: 'manual' });
      assert.ok(followed.status < 400, `${href} answers ${followed.status}`);
    }
  });

  it('leaves other unknown paths a 404', async () => {
    const r = await fetch(`${plain.issuer}/nothing-here`);
    assert.equal(r.status, 404);
    assert.equal(((await r.json()) as Record<string, unknown>)['error'], 'not_found');
  });
});
