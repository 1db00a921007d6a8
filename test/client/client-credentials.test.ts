import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt } from 'jose';
import { clientCredentials, type TokenSet } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startBearerApi, type BearerApi } from '../helpers/bearer-api.js';
import { auditCount, revoke } from '../helpers/client-library.js';

/** A service's own token: cached, renewed early by one request, passed scope and resource. Access tokens live 2 seconds. */
describe('client library: client credentials', () => {
  let server: TestServer;
  let api: BearerApi;
  let service: { clientId: string; secret?: string };

  before(async () => {
    server = await startTestServer({ ttl: { accessToken: 2 } });
    service = await server.addClient({ name: 'Reports', grantTypes: ['client_credentials'], scopes: ['notes:read', 'notes:write'] });
    api = await startBearerApi(server.issuer, { introspection: { clientId: service.clientId, clientSecret: service.secret!, cacheSeconds: 0 } });
  });
  after(async () => {
    await api?.close();
    await server.close();
  });

  const issued = () => auditCount(server, 'token.issued', service.clientId);
  const connect = (onTokens?: (t: TokenSet) => void) =>
    clientCredentials({ issuer: server.issuer, clientId: service.clientId, clientSecret: service.secret!, scope: 'notes:read', ...(onTokens ? { onTokens } : {}) });

  it('fetches one token for 20 concurrent first calls, and reuses it', async () => {
    const fetched: TokenSet[] = [];
    const reports = await connect((t) => fetched.push(t));
    const before = await issued();

    const responses = await Promise.all(Array.from({ length: 20 }, () => reports.fetch(`${api.url}/stats`)));
    const later = await reports.fetch(`${api.url}/stats`);

    assert.deepEqual([...responses, later].map((r) => r.status), Array(21).fill(200));
    assert.equal((await issued()) - before, 1, 'one token request reached Tessera');
    assert.equal(fetched.length, 1);
    assert.equal(fetched[0]!.scope, 'notes:read', 'the scope asked for, not all the client may hold');
    assert.equal(((await later.json()) as { sub: string }).sub, service.clientId);
  });

  it('renews early, before the token expires, with one request for 20 concurrent calls', async () => {
    const fetched: TokenSet[] = [];
    const reports = await connect((t) => fetched.push(t));
    await reports.accessToken();
    const first = fetched[0]!;
    const before = await issued();
    const callsBefore = api.calls.length;
    // Due after half of its 2 seconds (the margin, 30 s by default, is capped at half the lifetime).
    await sleep((first.receivedAt + 1.1 - Date.now() / 1000) * 1000);

    const responses = await Promise.all(Array.from({ length: 20 }, () => reports.fetch(`${api.url}/stats`)));

    assert.deepEqual(responses.map((r) => r.status), Array(20).fill(200));
    assert.equal((await issued()) - before, 1);
    assert.equal(fetched.length, 2);
    assert.ok(fetched[1]!.receivedAt < first.expiresAt! - 0.5, 'the next token came well before the first expired');
    assert.ok(api.calls.slice(callsBefore).every((c) => c.status === 200 && c.token === fetched[1]!.accessToken), 'no call was refused or sent with the old token');
  });

  it('sends scope and resource with the token request, and gets a token for that API', async () => {
    await server.addApi({ identifier: 'https://notes.example', name: 'Notes', scopes: [{ name: 'notes:read', description: 'Read notes' }] });
    const bodies: string[] = [];
    const reports = await clientCredentials({
      issuer: server.issuer,
      clientId: service.clientId,
      clientSecret: service.secret!,
      scope: 'notes:read',
      resource: 'https://notes.example',
      fetch: (url, init) => {
        if (url.endsWith('/token')) bodies.push(String(init.body));
        return fetch(url, init as RequestInit);
      },
    });
    const token = await reports.accessToken();
    assert.equal(decodeJwt(token).aud, 'https://notes.example', 'Tessera issued it for the API named');
    const sent = new URLSearchParams(bodies[0]);
    assert.equal(sent.get('grant_type'), 'client_credentials');
    assert.equal(sent.get('scope'), 'notes:read');
    assert.equal(sent.get('resource'), 'https://notes.example');
  });

  it('after a 401, gets one new token for 20 concurrent calls and sends each once more', async () => {
    const reports = await connect();
    const token = await reports.accessToken();
    await revoke(server, service, token);
    const before = await issued();

    const responses = await Promise.all(Array.from({ length: 20 }, () => reports.fetch(`${api.url}/stats`)));

    assert.deepEqual(responses.map((r) => r.status), Array(20).fill(200));
    assert.equal((await issued()) - before, 1);
    assert.notEqual(await reports.accessToken(), token);
  });
});
