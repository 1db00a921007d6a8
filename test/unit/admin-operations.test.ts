import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openStores } from '../../src/server.js';
import { createTestStore, type TestStore } from '../helpers/server.js';
import type { Stores } from '../../src/store/ports.js';
import type { AuditInput } from '../../src/core/audit.js';
import type { AdminContext } from '../../src/core/admin/context.js';
import { keyedHash, sha256 } from '../../src/core/crypto.js';
import { NotFoundError, StaleVersionError } from '../../src/core/admin/errors.js';
import { ClientInputError, ClientNotFoundError, createClient, deleteClient, findClient, rotateClientSecret, updateClient } from '../../src/core/admin/clients.js';
import { createRegistrationToken, listRegistrationTokens, RegistrationTokenInputError, RegistrationTokenNotFoundError, revokeRegistrationToken } from '../../src/core/admin/registration-tokens.js';
import { KeyInputError, listSigningKeys, pruneSigningKeys, rotateSigningKeys } from '../../src/core/admin/keys.js';
import { ApiNotFoundError } from '../../src/core/admin/apis.js';
import { UserNotFoundError } from '../../src/core/admin/users.js';
import { AccessNotFoundError } from '../../src/core/access/access-input.js';
import { ClientMetadataError } from '../../src/core/clients/registration.js';

/** The core's admin operations on a real store (SQLite, or PostgreSQL with TESSERA_TEST_STORE=postgres). */
describe('admin operations in core', () => {
  let place: TestStore;
  let stores: Stores;
  const pepper = randomBytes(32);
  let events: (AuditInput & { actor: string })[] = [];
  const admin = (now = Math.floor(Date.now() / 1000)): AdminContext => ({
    stores, pepper, now, actor: 'client:admin-test',
    audit: async (e) => void events.push({ ...e, actor: 'client:admin-test' }),
  });
  const webApp = { name: 'Web', type: 'confidential' as const, redirectUris: ['https://app.example.com/cb'], grantTypes: ['authorization_code', 'client_credentials'], scopes: ['openid'] };

  before(async () => {
    place = await createTestStore();
    stores = await openStores(place.database ? { dataDir: place.dataDir, databaseUrl: place.database.url } : { dataDir: place.dataDir });
  });
  after(async () => {
    await stores.close();
    await place.remove();
  });

  it('shares one NotFoundError base among the not-found errors of every operation', () => {
    for (const e of [new ClientNotFoundError('c'), new RegistrationTokenNotFoundError('t'), new ApiNotFoundError('a'), new UserNotFoundError('u'), new AccessNotFoundError('x')]) {
      assert.ok(e instanceof NotFoundError, e.name);
    }
    assert.equal(new ClientNotFoundError('c').message, "no client with id 'c'");
    assert.equal(new UserNotFoundError('u').name, 'UserNotFoundError');
  });

  it('creates, changes and deletes a client, auditing each with the actor', async () => {
    events = [];
    const { client, secret } = await createClient(admin(), { ...webApp, attributeClaims: ['department'] });
    assert.ok(secret);
    assert.equal(client.secretHash, keyedHash(pepper, secret));
    assert.deepEqual((await findClient(stores, client.clientId)).attributeClaims, ['department']);
    const { client: changed } = await updateClient(admin(), client.clientId, { name: 'Renamed', firstParty: true, requireMfa: true }, { expectedVersion: client.version });
    assert.equal(changed.name, 'Renamed');
    assert.equal(changed.firstParty, true);
    assert.equal(changed.requireMfa, true);
    assert.equal(changed.version, client.version + 1, 'metadata and state in one write');
    await assert.rejects(rotateClientSecret(admin(), 'nobody'), ClientNotFoundError);
    await assert.rejects(updateClient(admin(), client.clientId, { attributeClaims: ['sub'] }), /claim Tessera sets itself/);
    await assert.rejects(updateClient(admin(), client.clientId, { redirectUris: ['not a url'] }), ClientMetadataError);
    await deleteClient(admin(), client.clientId);
    await assert.rejects(findClient(stores, client.clientId), ClientNotFoundError);
    assert.deepEqual(events.map((e) => `${e.type} ${e.reason ?? ''}`.trim()), ['client.created operator', 'client.changed first_party_on', 'client.changed metadata', 'client.deleted']);
  });

  it('refuses an update made at a stale version, and changes nothing', async () => {
    const { client } = await createClient(admin(), webApp);
    const grant = await stores.grants.upsert('user-1', client.clientId, ['openid'], admin().now);
    await updateClient(admin(), client.clientId, { name: 'Someone else' });
    events = [];
    const stale = updateClient(admin(), client.clientId, { name: 'Mine', disabled: true, requireMfa: true, attributeClaims: ['team'] }, { expectedVersion: client.version });
    await assert.rejects(stale, (e: unknown) => e instanceof StaleVersionError && e.expectedVersion === client.version && e.currentVersion === client.version + 1);
    const now = await findClient(stores, client.clientId);
    assert.equal(now.name, 'Someone else');
    assert.equal(now.disabled, false);
    assert.equal(now.requireMfa, false);
    assert.deepEqual(now.attributeClaims, []);
    assert.equal(now.version, client.version + 1);
    assert.ok(await stores.grants.find('user-1', client.clientId), 'the consent stays');
    assert.deepEqual(events, [], 'nothing audited');
    // At the version it has, the disable goes through and revokes the client's consents.
    await updateClient(admin(), client.clientId, { disabled: true }, { expectedVersion: now.version });
    assert.equal((await findClient(stores, client.clientId)).disabled, true);
    assert.equal(await stores.grants.find('user-1', client.clientId), undefined, `grant ${grant.grantId} is gone`);
  });

  it('lets exactly one of a burst of updates made at the same version win', async () => {
    const { client } = await createClient(admin(), webApp);
    const burst = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => updateClient(admin(), client.clientId, { name: `Writer ${i}`, requireMfa: i % 2 === 0 }, { expectedVersion: client.version })),
    );
    const won = burst.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1);
    for (const r of burst) if (r.status === 'rejected') assert.ok(r.reason instanceof StaleVersionError, String(r.reason));
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof updateClient>>>).value.client;
    const stored = await findClient(stores, client.clientId);
    assert.equal(stored.name, winner.name);
    assert.equal(stored.requireMfa, winner.requireMfa, "the winner's state, not a loser's");
    assert.equal(stored.version, client.version + 1);
  });

  it('leaves exactly one working secret after a burst of 10 rotations', async () => {
    const { client, secret: first } = await createClient(admin(), webApp);
    events = [];
    const secrets = (await Promise.all(Array.from({ length: 10 }, () => rotateClientSecret(admin(), client.clientId)))).map((r) => r.secret);
    assert.equal(new Set(secrets).size, 10);
    const stored = await findClient(stores, client.clientId);
    const working = [first!, ...secrets].filter((s) => keyedHash(pepper, s) === stored.secretHash);
    assert.equal(working.length, 1);
    assert.notEqual(working[0], first);
    assert.equal(events.filter((e) => e.reason === 'secret_rotated').length, 10);
    const { client: spa } = await createClient(admin(), { name: 'SPA', type: 'public', redirectUris: ['https://spa.example.com/cb'] });
    await assert.rejects(rotateClientSecret(admin(), spa.clientId), ClientInputError);
  });

  it('creates, lists and revokes registration tokens, never listing a token itself', async () => {
    events = [];
    const t0 = 1_000_000;
    const live = await createRegistrationToken(admin(t0), { uses: 3, expiresIn: 600 });
    const short = await createRegistrationToken(admin(t0), { expiresIn: 10 });
    const spent = await createRegistrationToken(admin(t0));
    assert.equal(live.id, sha256(live.token));
    assert.equal(await stores.initialAccessTokens.use(spent.id, t0 + 1), true);
    const listed = await listRegistrationTokens(stores, t0 + 20);
    const byId = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
    // Created in one second: their order among themselves is the database's (its collation).
    assert.deepEqual(listed.map((t) => [t.id, t.state, t.uses_left, t.expires_at]).sort(byId), [
      [live.id, 'live', 3, t0 + 600],
      [short.id, 'expired', 1, t0 + 10],
      [spent.id, 'used_up', 0, t0 + 86400],
    ].sort(byId));
    const shown = JSON.stringify(listed);
    for (const t of [live, short, spent]) assert.ok(!shown.includes(t.token), 'no token in the list');
    // By id, or by the token itself; then it registers nothing.
    assert.deepEqual(await revokeRegistrationToken(admin(t0), live.id), { revoked: live.id });
    assert.equal(await stores.initialAccessTokens.isLive(live.id, t0 + 1), false);
    assert.deepEqual(await revokeRegistrationToken(admin(t0), short.token), { revoked: short.id });
    await assert.rejects(revokeRegistrationToken(admin(t0), live.id), RegistrationTokenNotFoundError);
    assert.deepEqual((await listRegistrationTokens(stores, t0)).map((t) => t.id), [spent.id]);
    await assert.rejects(createRegistrationToken(admin(t0), { uses: 0 }), RegistrationTokenInputError);
    await assert.rejects(createRegistrationToken(admin(t0), { expiresIn: 1.5 }), RegistrationTokenInputError);
    assert.deepEqual(events.map((e) => e.type), ['registration_token.created', 'registration_token.created', 'registration_token.created', 'registration_token.revoked', 'registration_token.revoked']);
    assert.ok(events.every((e) => !JSON.stringify(e).includes(live.token) && !JSON.stringify(e).includes(short.token)), 'no token in the audit');
  });

  it('rotates and prunes signing keys, refusing an unknown algorithm', async () => {
    events = [];
    await assert.rejects(rotateSigningKeys(admin(), { algs: ['HS256'] }), KeyInputError);
    const t0 = 2_000_000_000;
    const added = await rotateSigningKeys(admin(t0), { algs: ['ES256'] });
    assert.deepEqual(added.map((k) => [k.alg, k.state]), [['ES256', 'active']]);
    const again = await rotateSigningKeys(admin(t0 + 1), { algs: ['ES256'] });
    const keys = await listSigningKeys(stores, t0 + 1);
    assert.equal(keys.find((k) => k.kid === added[0]!.kid)?.state, 'retired');
    assert.equal(keys.find((k) => k.kid === again[0]!.kid)?.state, 'active');
    const later = keys.find((k) => k.kid === added[0]!.kid)!.prunable_at! + 1;
    const { pruned } = await pruneSigningKeys(admin(later));
    assert.ok(pruned.includes(added[0]!.kid));
    assert.ok(!pruned.includes(again[0]!.kid), 'an active key stays');
    assert.deepEqual(events.map((e) => e.type), ['key.rotated', 'key.rotated', ...pruned.map(() => 'key.pruned')]);
  });
});
