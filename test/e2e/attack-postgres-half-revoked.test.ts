import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { TestServer } from '../helpers/server.js';
import { serverOnStallablePostgres, type ServerOnStallablePostgres } from '../helpers/postgres-stall.js';
import { isPage, Browser, formOf, textOf, type Page } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';

/**
 * Attack (review of issues 15/16): docs/deployment.md says that when PostgreSQL stalls "nothing
 * half-done is left behind: each write is one statement or one transaction". Revoking an app on
 * /account (revokeGrant) is three statements: the grant is deleted, then refresh tokens, then
 * access tokens are swept. When the database stops answering after the first, the user gets a
 * 503, the app is gone from their account page (so there is nothing to retry), and its access
 * token stays active at introspection, because introspection looks only at the swept records.
 */

const CALLBACK = 'https://app.example.com/cb';

describe('a PostgreSQL stall in the middle of revoking an app', () => {
  let stalling: ServerOnStallablePostgres;
  let server: TestServer;

  before(async () => {
    stalling = await serverOnStallablePostgres({ signInLimits: { delayMs: 1 } });
    server = stalling.server;
  });
  after(() => stalling.close());

  it('leaves no access token of a revoked app active after the revocation answered 503', async () => {
    const user = await server.addUser({ username: 'quinn' });
    const app = await server.addClient({ name: 'Notes', redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid'] });
    const browser = new Browser(server.issuer);
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({ response_type: 'code', client_id: app.clientId, redirect_uri: CALLBACK, scope: 'openid', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' });
    const back = await browser.authorize(`${server.issuer}/authorize?${query}`, { username: 'quinn', password: user.password });
    const tokens = await postForm(`${server.issuer}/token`, { grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: CALLBACK, code_verifier: verifier }, basic(app.clientId, app.secret!));
    assert.equal(tokens.status, 200);
    const accessToken = String(tokens.body['access_token']);
    const active = async () => (await postForm(`${server.issuer}/introspect`, { token: accessToken }, basic(app.clientId, app.secret!))).body['active'] === true;
    assert.equal(await active(), true);

    // Quinn revokes the app; the database stops answering just after the grant is deleted.
    const account = isPage(await browser.visit(`${server.issuer}/account`));
    assert.match(textOf(account.html), /Notes/);
    stalling.proxy.stallOn('update "refresh_tokens" set "revoked_at"');
    const revoked = isPage(await browser.submit(account, {}, '/account/revoke'));
    assert.ok(stalling.proxy.stalledOnPattern(), 'the stall hit the sweep');
    assert.equal(revoked.status, 503, textOf(revoked.html).slice(0, 120));

    // The database answers again. Quinn's account page no longer lists the app, so there is nothing to retry...
    const after = isPage(await browser.visit(`${server.issuer}/account`));
    assert.doesNotMatch(textOf(after.html), /Notes/);
    assert.throws(() => formOf(after.html, '/account/revoke'));
    // ...and the app's access token must not be active.
    assert.equal(await active(), false, 'the access token of the revoked app is still active at introspection');
  });
});
