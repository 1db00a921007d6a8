import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { SQLITE_FILE, openSqliteStores } from '../../src/store/sqlite/open.js';
import type { Client } from '../../src/store/ports.js';
import { storeContract } from './contract.js';

storeContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-store-'));
  return { stores: await openSqliteStores(dir), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe('sqlite: the server and the CLI on one file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-store-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const client: Client = {
    clientId: 'shared', secretHash: 'h', name: 'Before', type: 'confidential', applicationType: 'web', redirectUris: ['https://a/cb'],
    postLogoutRedirectUris: [], grantTypes: ['authorization_code'], scopes: ['openid'], tokenEndpointAuthMethod: 'client_secret_basic',
    disabled: false, tokensRevokedAt: null, origin: 'operator', registrationTokenHash: null, ownerId: null, requireMfa: false, firstParty: false, extras: {},
    lifetimes: {}, idTokenAlg: null, accessTokenAlg: null, createdAt: 1, updatedAt: 1, version: 1, defaultApi: null, attributeClaims: [],
  };

  // A request arrives on a later turn of the event loop than the last one; the store looks for
  // other processes' commits once per turn.
  const nextRequest = () => new Promise((resolve) => setImmediate(resolve));

  it('caches clients, and drops them at once when another connection commits anything', async () => {
    const server = await openSqliteStores(dir);
    const cli = await openSqliteStores(dir);
    try {
      await cli.clients.create(client);
      assert.equal((await server.clients.find('shared'))?.name, 'Before');
      // Behind the stores' back, on the server's own connection: only a cache would still say 'Before'.
      const raw = new Sqlite(join(dir, SQLITE_FILE));
      raw.prepare(`UPDATE clients SET name = 'Unseen' WHERE client_id = 'shared'`).run();
      raw.close();
      // That was another connection too, so the server looked again; now cached, a change by the CLI must show at once.
      await nextRequest();
      assert.equal((await server.clients.find('shared'))?.name, 'Unseen');
      assert.equal(await cli.clients.setState('shared', { disabled: true }, 2), true);
      await nextRequest();
      assert.equal((await server.clients.find('shared'))?.disabled, true);
      assert.equal(await cli.clients.delete('shared'), true);
      await nextRequest();
      assert.equal(await server.clients.find('shared'), undefined);
      // The server's own writes reach its cache directly.
      await server.clients.create(client);
      assert.equal((await server.clients.find('shared'))?.name, 'Before');
      assert.equal(await server.clients.updateMetadata('shared', { ...client, name: 'Own' }, 1, 3), 'ok');
      assert.equal((await server.clients.find('shared'))?.name, 'Own');
    } finally {
      await server.close();
      await cli.close();
    }
  });

  it('adds identical failures recorded through two connections at once to one record', async () => {
    const one = await openSqliteStores(dir);
    const two = await openSqliteStores(dir);
    try {
      const failure = { type: 'code.misuse' as const, outcome: 'failure' as const, userId: 'u', username: null, clientId: 'burst', ip: '192.0.2.7', userAgent: 'ua', reason: 'other_client', actor: null, at: 1_800_000_000 };
      await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? one : two).audit.append(failure)));
      assert.deepEqual((await one.audit.list({ clientId: 'burst', limit: 10 })).map((e) => e.count), [100]);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
