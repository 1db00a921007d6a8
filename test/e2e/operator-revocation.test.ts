import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { Browser } from '../helpers/browser.js';
import { basic, postForm, userinfoStatus } from '../helpers/http.js';
import { tesseraJson } from '../helpers/cli.js';
import { issueAccessToken } from '../../src/core/tokens/access-token.js';
import { revokeClient } from '../../src/core/lifecycle/revoke.js';
import { recordConsent } from '../../src/core/interaction/consent.js';

const CALLBACK = 'https://app.example.com/cb';
const SCOPES = ['openid', 'profile', 'api:read'];

describe('an operator disables or deletes a client or a user (CLI, server running)', () => {
  let server: TestServer;
  let data: string[];
  let resourceServer: { clientId: string; secret?: string };

  before(async () => {
    server = await startTestServer({ accessTokenAudience: 'api' });
    data = server.storeArgs;
    resourceServer = await server.addClient({ clientId: 'api', name: 'API', grantTypes: ['client_credentials'], scopes: [] });
  });
  after(() => server.close());

  async function setUp() {
    const user = await server.addUser({ username: `u${Math.random().toString(36).slice(2, 10)}` });
    const app = await server.addClient({ name: 'App', redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'], scopes: SCOPES });
    const config = await discover(server, app.clientId, app.secret);
    const browser = new Browser(server.issuer);
    const { tokens } = await codeFlow(server, config, CALLBACK, 'openid profile api:read', { username: user.username, password: user.password }, browser);
    const service = await client.clientCredentialsGrant(config, { scope: 'api:read' });
    return { user, app, config, browser, tokens, service };
  }

  /** What a resource server sees when it introspects. */
  const active = async (token: string) =>
    (await postForm(`${server.issuer}/introspect`, { token }, basic(resourceServer.clientId, resourceServer.secret!))).body['active'];

  const refreshFails = (config: client.Configuration, token: string) => assert.rejects(client.refreshTokenGrant(config, token));

  for (const action of ['disable', 'delete'] as const) {
    it(`${action} a user: introspection inactive, refresh fails, userinfo 401, sessions end`, async () => {
      const { user, config, browser, tokens } = await setUp();
      assert.equal(await active(tokens.access_token), true);
      await tesseraJson(['user', action, user.username, ...data]);
      assert.equal(await active(tokens.access_token), false);
      assert.equal(await userinfoStatus(server.issuer, tokens.access_token), 401);
      await refreshFails(config, tokens.refresh_token!);
      assert.match((await browser.visit(`${server.issuer}/account`) as { html: string }).html, /name="password"/, 'the SSO session is gone');

      if (action === 'disable') {
        await tesseraJson(['user', 'enable', user.username, ...data]);
        assert.equal(await active(tokens.access_token), false, 'enabling again revives no old token');
        await refreshFails(config, tokens.refresh_token!);
      }
    });

    it(`${action} a client: its user tokens and its own tokens stop at once`, async () => {
      const { app, config, tokens, service } = await setUp();
      assert.equal(await active(service.access_token), true);
      if (action === 'disable') await tesseraJson(['client', 'update', app.clientId, '--disable', ...data]);
      else await tesseraJson(['client', 'delete', app.clientId, ...data]);
      for (const token of [tokens.access_token, service.access_token]) assert.equal(await active(token), false);
      assert.equal(await userinfoStatus(server.issuer, tokens.access_token), 401);
      await refreshFails(config, tokens.refresh_token!);

      if (action === 'disable') {
        await tesseraJson(['client', 'update', app.clientId, '--enable', ...data]);
        for (const token of [tokens.access_token, service.access_token]) assert.equal(await active(token), false, 'enabling again revives no old token');
        await refreshFails(config, tokens.refresh_token!);
        const fresh = await client.clientCredentialsGrant(config, { scope: 'api:read' });
        assert.equal(await active(fresh.access_token), true, 'new tokens work after enabling');
      }
    });
  }

  it('voids, on enable, a token that raced the disable (signed in a later second by a request already under way)', async () => {
    const { app } = await setUp();
    await tesseraJson(['client', 'update', app.clientId, '--disable', ...data]);
    const { ctx } = server.tessera;
    // The request authenticated before the disable and signs its token a second after it.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const raced = await issueAccessToken(ctx.config, ctx.keys, { subject: app.clientId, clientId: app.clientId, scopes: ['api:read'] }, ctx.now());
    assert.ok(raced.expiresAt - ctx.config.ttl.accessToken > (await ctx.stores.clients.find(app.clientId))!.tokensRevokedAt!, 'signed after the mark');
    await tesseraJson(['client', 'update', app.clientId, '--enable', ...data]);
    assert.equal(await active(raced.token), false);
  });

  it('does not keep a consent given while the client was being disabled', async () => {
    const { user, app } = await setUp();
    const { ctx } = server.tessera;
    const stored = (await ctx.stores.clients.find(app.clientId))!;
    await revokeClient(ctx.stores, stored, ctx.now(), 'disable');
    assert.equal(await recordConsent(ctx, user.sub, app.clientId, ['openid'], { ip: '127.0.0.1', userAgent: null }), undefined);
    assert.equal(await ctx.stores.grants.find(user.sub, app.clientId), undefined);
  });

  it('reports deletion of an unknown user or client as an error', async () => {
    await assert.rejects(tesseraJson(['user', 'delete', 'nobody', ...data]), /no user 'nobody'/);
    await assert.rejects(tesseraJson(['client', 'delete', 'nope', ...data]), /no client with id 'nope'/);
  });
});
