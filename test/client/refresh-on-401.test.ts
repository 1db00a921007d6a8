import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { oauthClient, SignedOutError, type OAuthClient } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startBearerApi, type BearerApi } from '../helpers/bearer-api.js';
import { refreshRequests, revoke, signIn } from '../helpers/client-library.js';

/**
 * When an API refuses a token that has not expired (it was revoked), the session's fetch refreshes
 * once and retries; when Tessera refuses the refresh, the session is over. The API asks Tessera
 * about every token (introspection, no cache), so it sees revocations at once.
 */
describe('client library: a 401 from the API, and a refused refresh', () => {
  let server: TestServer;
  let api: BearerApi;
  let registered: { clientId: string; secret?: string };
  let client: OAuthClient;
  let alice: { sub: string; username: string; password: string };

  before(async () => {
    server = await startTestServer();
    alice = await server.addUser({ username: 'alice' });
    registered = await server.addClient({ name: 'Notes', redirectUris: ['https://notes.example/callback'], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'offline_access'] });
    client = await oauthClient({ issuer: server.issuer, clientId: registered.clientId, clientSecret: registered.secret!, redirectUri: 'https://notes.example/callback', scope: 'openid offline_access' });
    api = await startBearerApi(server.issuer, { introspection: { clientId: registered.clientId, clientSecret: registered.secret!, cacheSeconds: 0 } });
  });
  after(async () => {
    await api?.close();
    await server.close();
  });

  it('20 concurrent calls refused with 401 cause one refresh, and each is sent once more with the new token', async () => {
    const { tokens } = await signIn(server, client, alice);
    const session = client.session(tokens);
    await revoke(server, registered, tokens.accessToken);
    const before = await refreshRequests(server, registered.clientId);
    const callsBefore = api.calls.length;

    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => session.fetch(`${api.url}/notes`, { method: 'POST', body: `note ${i}` })));

    assert.deepEqual(responses.map((r) => r.status), Array(20).fill(200));
    const after = await refreshRequests(server, registered.clientId);
    assert.equal(after.refreshed - before.refreshed, 1);
    assert.equal(after.reused, 0);
    const calls = api.calls.slice(callsBefore);
    assert.equal(calls.length, 40, 'each call was sent twice: refused, then retried');
    assert.ok(calls.filter((c) => c.status === 401).every((c) => c.token === tokens.accessToken));
    assert.ok(calls.filter((c) => c.status === 200).every((c) => c.token === session.tokens.accessToken));
    // The retry carries the same body.
    const bodies = await Promise.all(responses.map(async (r) => ((await r.json()) as { body: string }).body));
    assert.deepEqual(bodies.sort(), Array.from({ length: 20 }, (_, i) => `note ${i}`).sort());
  });

  it('a second 401 goes back to the caller after one refresh', async () => {
    const { tokens } = await signIn(server, client, alice);
    const session = client.session(tokens);
    // An API that takes tokens for another audience only: it refuses every token of ours.
    const other = await startBearerApi(server.issuer, { audience: 'https://other.example' });
    try {
      const before = await refreshRequests(server, registered.clientId);
      const response = await session.fetch(`${other.url}/notes`);
      assert.equal(response.status, 401);
      assert.equal(other.calls.length, 2, 'one retry, no more');
      assert.equal((await refreshRequests(server, registered.clientId)).refreshed - before.refreshed, 1);
      assert.equal(session.signedOut, false, 'an API refusing the new token does not sign the user out');
    } finally {
      await other.close();
    }
  });

  it('ends the session through the hook when Tessera refuses the refresh (the family was revoked)', async () => {
    const { tokens } = await signIn(server, client, alice);
    const endings: SignedOutError[] = [];
    const session = client.session(tokens, { onSignedOut: (e) => void endings.push(e) });
    // Signed out elsewhere: revoking the refresh token takes its family, access tokens included (RFC 7009 §2.1).
    await revoke(server, registered, tokens.refreshToken!);
    const callsBefore = api.calls.length;

    const results = await Promise.allSettled(Array.from({ length: 20 }, () => session.fetch(`${api.url}/notes`)));

    assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof SignedOutError && r.reason.error === 'invalid_grant'));
    assert.equal(endings.length, 1, 'the app learns once that the user is signed out');
    assert.equal(session.signedOut, true);
    assert.equal(api.calls.length - callsBefore, 20, 'the refused calls were not sent again');
    // Later calls fail at once, without asking the API or Tessera.
    const refreshesBefore = await refreshRequests(server, registered.clientId);
    await assert.rejects(session.fetch(`${api.url}/notes`), SignedOutError);
    assert.equal(api.calls.length - callsBefore, 20);
    assert.deepEqual(await refreshRequests(server, registered.clientId), refreshesBefore);
  });

  it('ends the session when a spent refresh token was used elsewhere (theft revokes the family)', async () => {
    const { tokens } = await signIn(server, client, alice);
    let ended: SignedOutError | undefined;
    const session = client.session(tokens, { onSignedOut: (e) => void (ended = e) });
    // Someone else with a copy of the refresh token rotates it first ...
    await oidc.refreshTokenGrant(client.configuration, tokens.refreshToken!);
    // ... so this session's refresh is a reuse, which Tessera answers by revoking the family.
    const before = await refreshRequests(server, registered.clientId);
    await assert.rejects(session.refresh(), SignedOutError);
    assert.ok(ended instanceof SignedOutError);
    assert.equal((await refreshRequests(server, registered.clientId)).reused - before.reused, 1);
  });

  it('keeps the new tokens when storing them fails, so the spent refresh token is never sent again', async () => {
    const { tokens } = await signIn(server, client, alice);
    let storeUp = false;
    const session = client.session(tokens, {
      onTokens: () => {
        if (!storeUp) throw new Error('session store unreachable');
      },
    });
    const before = await refreshRequests(server, registered.clientId);
    await assert.rejects(session.refresh(), /session store unreachable/);
    assert.notEqual(session.tokens.refreshToken, tokens.refreshToken, 'the rotated refresh token is held all the same');
    storeUp = true;
    await session.refresh();
    const after = await refreshRequests(server, registered.clientId);
    assert.equal(after.refreshed - before.refreshed, 2);
    assert.equal(after.reused, before.reused, 'no reuse, so the family lives');
    assert.equal(session.signedOut, false);
  });
});
