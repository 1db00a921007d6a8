import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { oauthClient, type OAuthClient, type TokenSet } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startBearerApi, type BearerApi } from '../helpers/bearer-api.js';
import { refreshRequests, signIn } from '../helpers/client-library.js';

/**
 * One refresh per lineage: Tessera rotates refresh tokens and revokes the family when a spent one
 * comes back, so concurrent calls that find the access token expired must share one refresh.
 * Access tokens live 2 seconds here.
 */
describe('client library: one refresh per lineage', () => {
  let server: TestServer;
  let api: BearerApi;
  let registered: { clientId: string; secret?: string };
  let client: OAuthClient;
  let alice: { sub: string; username: string; password: string };

  before(async () => {
    server = await startTestServer({ ttl: { accessToken: 2 } });
    alice = await server.addUser({ username: 'alice' });
    registered = await server.addClient({ name: 'Notes', redirectUris: ['https://notes.example/callback'], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'offline_access'] });
    client = await oauthClient({ issuer: server.issuer, clientId: registered.clientId, clientSecret: registered.secret!, redirectUri: 'https://notes.example/callback', scope: 'openid offline_access' });
    api = await startBearerApi(server.issuer);
  });
  after(async () => {
    await api?.close();
    await server.close();
  });

  /** Waits until the access token has expired at the API, which allows no clock leeway. */
  const pastExpiry = (tokens: TokenSet) => sleep((tokens.expiresAt! - Date.now() / 1000) * 1000 + 300);

  it('20 concurrent calls after the access token expired make exactly one refresh request', async () => {
    const { tokens } = await signIn(server, client, alice);
    const stored: TokenSet[] = [];
    const session = client.session(tokens, { onTokens: (next) => void stored.push(next) });
    const before = await refreshRequests(server, registered.clientId);
    await pastExpiry(tokens);

    const responses = await Promise.all(Array.from({ length: 20 }, () => session.fetch(`${api.url}/notes`)));

    assert.deepEqual(responses.map((r) => r.status), Array(20).fill(200));
    const after = await refreshRequests(server, registered.clientId);
    assert.equal(after.refreshed - before.refreshed, 1, 'one refresh request reached Tessera');
    assert.equal(after.reused, 0, 'no spent refresh token came back (which would revoke the family)');
    assert.equal(stored.length, 1, 'the app was asked to store the new tokens once');
    assert.notEqual(stored[0]!.refreshToken, tokens.refreshToken, 'the refresh token rotated');
    assert.deepEqual(session.tokens, stored[0]);
    const calls = api.calls.slice(-20);
    assert.ok(calls.every((c) => c.status === 200 && c.token === stored[0]!.accessToken), 'every call carried the new token; none was refused');
  });

  it('refreshes a token that is due before calling the API, not after a 401', async () => {
    const { tokens } = await signIn(server, client, alice);
    const session = client.session(tokens);
    const before = await refreshRequests(server, registered.clientId);
    const callsBefore = api.calls.length;
    // Due `refreshEarlySeconds` before expiry, but not before half its lifetime: here after 1 of its 2 seconds.
    await sleep((tokens.receivedAt + 1.1 - Date.now() / 1000) * 1000);
    const response = await session.fetch(`${api.url}/notes`);
    assert.equal(response.status, 200);
    assert.equal((await refreshRequests(server, registered.clientId)).refreshed - before.refreshed, 1);
    assert.deepEqual(api.calls.slice(callsBefore), [{ token: session.tokens.accessToken, body: '', status: 200 }], 'one call, with the new token');
    assert.notEqual(session.tokens.accessToken, tokens.accessToken);
  });

  it('two sessions restored from the same stored tokens share one refresh', async () => {
    const { tokens } = await signIn(server, client, alice);
    // Two requests of one user each restore the session from the app's store.
    const stored = JSON.parse(JSON.stringify(tokens)) as TokenSet;
    const first = client.session(stored);
    const second = client.session({ ...stored });
    const before = await refreshRequests(server, registered.clientId);
    await pastExpiry(tokens);

    const responses = await Promise.all([...Array.from({ length: 10 }, () => first.fetch(`${api.url}/notes`)), ...Array.from({ length: 10 }, () => second.fetch(`${api.url}/notes`))]);

    assert.deepEqual(responses.map((r) => r.status), Array(20).fill(200));
    const after = await refreshRequests(server, registered.clientId);
    assert.equal(after.refreshed - before.refreshed, 1);
    assert.equal(after.reused, 0);
    assert.deepEqual(first.tokens, second.tokens);
    assert.equal(first.signedOut || second.signedOut, false);
  });
});
