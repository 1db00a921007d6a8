import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { openPostgresStores } from '../../src/store/postgres/open.js';
import type { Client, StoreChange, Stores } from '../../src/store/ports.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { storeContract } from './contract.js';

storeContract('postgres', async () => {
  const database = await createTestDatabase();
  return { stores: await openPostgresStores(database.url), cleanup: database.drop };
});

/** Waits (up to 2 s) until `check` holds; notifications cross processes asynchronously. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(10);
  }
  assert.fail('the change did not arrive within 2 seconds');
}

describe('postgres: two processes on one database', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: Stores;
  let b: Stores;
  const client: Client = {
    clientId: 'shared', secretHash: 'h', name: 'Before', type: 'confidential', applicationType: 'web', redirectUris: ['https://a/cb'],
    postLogoutRedirectUris: [], grantTypes: ['authorization_code'], scopes: ['openid'], tokenEndpointAuthMethod: 'client_secret_basic',
    disabled: false, tokensRevokedAt: null, origin: 'operator', registrationTokenHash: null, ownerId: null, requireMfa: false, firstParty: false, extras: {},
    lifetimes: {}, idTokenAlg: null, accessTokenAlg: null, createdAt: 1, updatedAt: 1, version: 1, defaultApi: null, attributeClaims: [],
  };

  before(async () => {
    database = await createTestDatabase();
    // Both at once, like nodes starting together: the advisory lock lets one migrate.
    [a, b] = await Promise.all([openPostgresStores(database.url), openPostgresStores(database.url)]);
  });
  after(async () => {
    await a.close();
    await b.close();
    await database.drop();
  });

  it('caches a client on the other node until a change to it is announced', async () => {
    let heardCreate = false;
    b.changes?.subscribe((change) => {
      if (change !== 'reset' && change.kind === 'client' && change.clientId === 'shared') heardCreate = true;
    });
    await a.clients.create(client);
    // The announcement of the creation drops B's entry, so let it arrive before B caches the client.
    await eventually(async () => heardCreate);
    assert.equal((await b.clients.find('shared'))?.name, 'Before');
    // A change written behind Tessera's back (no announcement) shows that B answers from its cache...
    const raw = new pg.Client({ connectionString: database.url });
    await raw.connect();
    await raw.query(`UPDATE clients SET name = 'Unannounced' WHERE client_id = 'shared'`);
    await raw.end();
    assert.equal((await b.clients.find('shared'))?.name, 'Before');
    // ...and an update through the store on A reaches B.
    assert.equal(await a.clients.updateMetadata('shared', { ...client, name: 'After' }, 1, 2), 'ok');
    await eventually(async () => (await b.clients.find('shared'))?.name === 'After');
    assert.equal(await a.clients.delete('shared'), true);
    await eventually(async () => (await b.clients.find('shared')) === undefined);
  });

  it('announces key changes to every node', async () => {
    const heard: StoreChange[] = [];
    b.changes?.subscribe((change) => {
      if (change !== 'reset') heard.push(change);
    });
    await a.keys.add({ kid: 'k-shared', alg: 'ES256', privateJwk: '{}', createdAt: 1, retiredAt: null });
    await eventually(async () => heard.some((c) => c.kind === 'keys'));
  });

  it('adds identical failures that two nodes record at once to one record', async () => {
    const failure = { type: 'code.misuse' as const, outcome: 'failure' as const, userId: 'u', username: null, clientId: 'c', ip: '192.0.2.7', userAgent: 'ua', reason: 'other_client', actor: null, at: 1_800_000_000 };
    await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).audit.append(failure)));
    const records = await a.audit.list({ clientId: 'c', limit: 10 });
    assert.deepEqual(records.map((e) => e.count), [100]);
  });

  it('answers from the database, not the cache, while it cannot hear changes', async () => {
    await a.clients.create({ ...client, clientId: 'deaf' });
    await sleep(100);
    assert.equal((await b.clients.find('deaf'))?.name, 'Before');
    // End B's listening connection from the server side, as a database restart or network cut would.
    const raw = new pg.Client({ connectionString: database.url });
    await raw.connect();
    await raw.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`);
    await eventually(async () => b.changes?.live === false || a.changes?.live === false);
    await raw.query(`UPDATE clients SET name = 'While deaf' WHERE client_id = 'deaf'`);
    await raw.end();
    const seen = (await b.clients.find('deaf'))?.name;
    // Either B is still reconnecting (reads go to the database) or it reconnected and started over.
    assert.equal(seen, 'While deaf');
    await eventually(async () => b.changes?.live === true);
  });
});
