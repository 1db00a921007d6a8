import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { CodeRecord, RefreshRecord, Stores } from '../../src/store/ports.js';
import { outboxContract } from './outbox-contract.js';

/**
 * The behaviour every store backend must have. A backend's test file calls this with a factory
 * that opens a fresh, empty store (and removes it afterwards).
 */
export function storeContract(name: string, open: () => Promise<{ stores: Stores; cleanup(): Promise<void> }>): void {
  describe(`store contract: ${name}`, () => {
    let stores: Stores;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ stores, cleanup } = await open());
    });
    after(async () => {
      await stores.close();
      await cleanup();
    });

    outboxContract(() => stores);

    const code = (over: Partial<CodeRecord> = {}): CodeRecord => ({
      codeHash: randomUUID(), clientId: 'c', userId: 'u', redirectUri: 'https://a/cb', redirectUriInRequest: true, codeChallenge: 'x',
      scopes: ['openid'], nonce: null, authTime: 1, amr: ['pwd', 'otp', 'mfa'], grantId: 'g', familyId: randomUUID(), resources: [], createdAt: 1, expiresAt: 100, ...over,
    });
    const refresh = (over: Partial<RefreshRecord> = {}): RefreshRecord => ({
      tokenHash: randomUUID(), familyId: 'f', grantId: null, clientId: 'c', userId: 'u', scopes: ['a', 'b'], authTime: 1, amr: ['pwd'], resources: [],
      createdAt: 1, expiresAt: 1000, absoluteExpiresAt: 5000, rotatedAt: null, revokedAt: null, ...over,
    });

    it('consumes a code exactly once, even when asked concurrently', async () => {
      const record = code();
      await stores.codes.save(record);
      const results = await Promise.all(Array.from({ length: 6 }, () => stores.codes.consume(record.codeHash, 5)));
      assert.equal(results.filter((r) => r.status === 'ok').length, 1);
      assert.equal(results.filter((r) => r.status === 'consumed').length, 5);
      const ok = results.find((r) => r.status === 'ok');
      assert.deepEqual(ok && 'record' in ok ? ok.record : undefined, record);
      assert.equal((await stores.codes.consume('nope', 5)).status, 'unknown');
    });

    it('finds a code, used or not, without consuming it', async () => {
      const record = code();
      await stores.codes.save(record);
      assert.deepEqual(await stores.codes.find(record.codeHash), record);
      assert.deepEqual(await stores.codes.find(record.codeHash), record);
      assert.equal((await stores.codes.consume(record.codeHash, 5)).status, 'ok', 'finding spent nothing');
      assert.deepEqual(await stores.codes.find(record.codeHash), record, 'a used code is still found');
      assert.equal(await stores.codes.find('nope'), undefined);
    });

    it('deletes expired codes in bounded batches, and only expired ones', async () => {
      const expired = [code({ expiresAt: 3 }), code({ expiresAt: 3 }), code({ expiresAt: 4 })];
      const live = code({ expiresAt: 50 });
      for (const c of [...expired, live]) await stores.codes.save(c);
      assert.equal(await stores.codes.deleteExpired(4, 2), 2);
      assert.equal(await stores.codes.deleteExpired(4, 2), 1);
      assert.equal(await stores.codes.deleteExpired(4, 2), 0);
      for (const c of expired) assert.equal((await stores.codes.consume(c.codeHash, 5)).status, 'unknown');
      assert.equal((await stores.codes.consume(live.codeHash, 5)).status, 'ok');
    });

    it('rotates a refresh token once; later or concurrent rotations are reuse', async () => {
      const first = refresh({ familyId: 'fam1' });
      await stores.refreshTokens.save(first);
      const outcomes = await Promise.all(Array.from({ length: 5 }, () => stores.refreshTokens.rotate(first.tokenHash, refresh({ familyId: 'fam1' }), 2)));
      assert.equal(outcomes.filter((o) => o === 'ok').length, 1);
      assert.ok(outcomes.filter((o) => o !== 'ok').every((o) => o === 'reused'));
      assert.equal((await stores.refreshTokens.find(first.tokenHash))?.rotatedAt, 2);
      assert.equal(await stores.refreshTokens.rotate('unknown', refresh(), 2), 'unknown');
    });

    it('keeps the end of a refresh token\'s lineage, or none for lineages begun before such ends were kept', async () => {
      const next = refresh({ familyId: 'fam-abs', expiresAt: 900, absoluteExpiresAt: 1200 });
      await stores.refreshTokens.save(next);
      assert.deepEqual(await stores.refreshTokens.find(next.tokenHash), next);
      const legacy = refresh({ familyId: 'fam-legacy', absoluteExpiresAt: null });
      await stores.refreshTokens.save(legacy);
      assert.equal((await stores.refreshTokens.find(legacy.tokenHash))?.absoluteExpiresAt, null);
    });

    it('revokes a family: its refresh tokens and recorded access tokens', async () => {
      const a = refresh({ familyId: 'fam2' });
      const b = refresh({ familyId: 'fam2' });
      const other = refresh({ familyId: 'fam3' });
      for (const r of [a, b, other]) await stores.refreshTokens.save(r);
      await stores.accessTokens.recordIssued({ jti: 'jti-a', familyId: 'fam2', grantId: null, expiresAt: 500 });
      await stores.accessTokens.recordIssued({ jti: 'jti-other', familyId: 'fam3', grantId: null, expiresAt: 500 });
      assert.equal(await stores.refreshTokens.revokeWhere({ familyId: 'fam2' }, 9), 2);
      await stores.accessTokens.revokeWhere({ familyId: 'fam2' });
      await stores.accessTokens.revokeWhere({ familyId: 'fam2' });
      assert.equal((await stores.refreshTokens.find(a.tokenHash))?.revokedAt, 9);
      assert.equal((await stores.refreshTokens.find(b.tokenHash))?.revokedAt, 9);
      assert.equal((await stores.refreshTokens.find(other.tokenHash))?.revokedAt, null);
      assert.equal(await stores.refreshTokens.rotate(a.tokenHash, refresh(), 10), 'revoked');
      assert.equal(await stores.accessTokens.isRevoked('jti-a'), true);
      assert.equal(await stores.accessTokens.isRevoked('jti-other'), false);
      await stores.accessTokens.revokeJti('jti-x', 500);
      await stores.accessTokens.revokeJti('jti-x', 500);
      assert.equal(await stores.accessTokens.isRevoked('jti-x'), true);
    });

    it('remembers revoked families until their mark expires, whoever marks them first', async () => {
      const family = `fam-${randomUUID()}`;
      assert.equal(await stores.revokedFamilies.isRevoked(family), false);
      await Promise.all([stores.revokedFamilies.mark(family, 10, 100), stores.revokedFamilies.mark(family, 11, 200)]);
      assert.equal(await stores.revokedFamilies.isRevoked(family), true);
      assert.equal(await stores.revokedFamilies.deleteExpired(99, 10), 0);
      // The first mark to arrive stays (100 or 200, as the race falls): past both, it is gone either way.
      assert.ok((await stores.revokedFamilies.deleteExpired(200, 10)) >= 1);
      assert.equal(await stores.revokedFamilies.isRevoked(family), false);
    });

    it('stores clients and users round-trip, with usernames matched case-insensitively', async () => {
      const client = {
        clientId: 'cid', secretHash: 'h', name: 'N', type: 'confidential' as const, applicationType: 'web' as const, redirectUris: ['https://a/cb'],
        postLogoutRedirectUris: ['https://a/bye'], grantTypes: ['authorization_code' as const], scopes: ['openid'],
        tokenEndpointAuthMethod: 'client_secret_basic' as const, disabled: false, tokensRevokedAt: null, origin: 'dynamic' as const,
        registrationTokenHash: 'rth', ownerId: null, requireMfa: true, requirePhishingResistant: false, firstParty: false, extras: { logo_uri: 'https://a/logo.png', contacts: ['ops@a'] },
        lifetimes: { accessToken: 600, refreshTokenAbsolute: 86400 }, idTokenAlg: 'PS256' as const, accessTokenAlg: null, createdAt: 1, updatedAt: 1, version: 1, defaultApi: null as string | null, attributeClaims: [] as string[],
      };
      await stores.clients.create(client);
      assert.deepEqual(await stores.clients.find('cid'), client);
      // An operator's first-party app keeps the mark as created.
      const trusted = { ...client, clientId: 'trusted', origin: 'operator' as const, registrationTokenHash: null, firstParty: true };
      await stores.clients.create(trusted);
      assert.deepEqual(await stores.clients.find('trusted'), trusted);
      await stores.clients.delete('trusted');
      const owned = { ...client, clientId: 'owned', origin: 'console' as const, registrationTokenHash: null, ownerId: 'u-dev', extras: { description: 'My app' }, createdAt: 2 };
      await stores.clients.create(owned);
      assert.deepEqual(await stores.clients.listByOwner('u-dev'), [owned]);
      assert.deepEqual(await stores.clients.listByOwner('u-other'), []);
      await stores.clients.delete('owned');
      const metadata = {
        name: 'M', type: client.type, applicationType: client.applicationType, redirectUris: client.redirectUris, postLogoutRedirectUris: [], grantTypes: client.grantTypes,
        scopes: client.scopes, tokenEndpointAuthMethod: client.tokenEndpointAuthMethod, extras: {}, lifetimes: client.lifetimes, idTokenAlg: client.idTokenAlg, accessTokenAlg: client.accessTokenAlg,
      };
      // Lifetimes and algorithms are metadata: written with it, under the same version check.
      const tokens = { lifetimes: { idToken: 120, refreshToken: 3600 }, idTokenAlg: null, accessTokenAlg: 'RS256' as const };
      assert.equal(await stores.clients.updateMetadata('cid', { ...metadata, ...tokens }, 1, 4), 'ok');
      assert.deepEqual(await stores.clients.findFresh('cid'), { ...client, ...tokens, name: 'M', postLogoutRedirectUris: [], extras: {}, updatedAt: 4, version: 2 });
      assert.equal(await stores.clients.updateMetadata('cid', metadata, 2, 5), 'ok');
      assert.deepEqual(await stores.clients.findFresh('cid'), { ...client, name: 'M', postLogoutRedirectUris: [], extras: {}, updatedAt: 5, version: 3 });
      assert.equal(await stores.clients.updateMetadata('cid', { ...metadata, name: 'Stale' }, 2, 6), 'stale', 'computed from version 2, which is gone');
      assert.equal(await stores.clients.updateMetadata('none', metadata, 1, 6), 'missing');
      // State is set apart from metadata, and a metadata change never writes it back.
      assert.equal(await stores.clients.setState('cid', { disabled: true, tokensRevokedAt: 7, secretHash: 'h2', requireMfa: false, firstParty: true }, 7), true);
      assert.equal(await stores.clients.updateMetadata('cid', { ...metadata, name: 'Owner edit' }, 4, 8), 'ok');
      assert.deepEqual(await stores.clients.find('cid'), { ...client, name: 'Owner edit', postLogoutRedirectUris: [], extras: {}, disabled: true, tokensRevokedAt: 7, secretHash: 'h2', requireMfa: false, firstParty: true, updatedAt: 8, version: 5 });
      assert.equal(await stores.clients.setState('none', { disabled: true }, 7), false);
      // Concurrent changes computed from one version: exactly one is written.
      const outcomes = await Promise.all(['A', 'B', 'C', 'D'].map((name) => stores.clients.updateMetadata('cid', { ...metadata, name }, 5, 9)));
      assert.deepEqual(outcomes.sort(), ['ok', 'stale', 'stale', 'stale']);
      // Metadata and state at once, under the version check: both or neither.
      assert.equal(await stores.clients.updateMetadata('cid', { ...metadata, name: 'Both' }, 5, 10, { disabled: false, defaultApi: 'https://api' }), 'stale');
      assert.equal((await stores.clients.findFresh('cid'))?.disabled, true, 'a stale write sets no state');
      assert.equal(await stores.clients.updateMetadata('cid', { ...metadata, name: 'Both' }, 6, 10, { disabled: false, defaultApi: 'https://api' }), 'ok');
      assert.deepEqual(await stores.clients.findFresh('cid'), { ...client, name: 'Both', postLogoutRedirectUris: [], extras: {}, tokensRevokedAt: 7, secretHash: 'h2', requireMfa: false, firstParty: true, defaultApi: 'https://api', updatedAt: 10, version: 7 });
      assert.equal(await stores.clients.delete('cid'), true);
      assert.equal(await stores.clients.find('cid'), undefined);

      const user = {
        id: 'u1', username: 'Alice', email: null, emailVerified: false, name: null, passwordHash: 'p', disabled: false, tokensRevokedAt: null,
        attributes: {}, lastSignInAt: null, lockedUntil: null, unlockedAt: null, externalId: null, givenName: null, familyName: null, createdAt: 1, updatedAt: 1,
      };
      await stores.users.create(user);
      assert.deepEqual(await stores.users.findByUsername('aLiCe'), user);
      // What SCIM provisions besides the profile.
      assert.equal(await stores.users.update(user.id, { externalId: 'okta-00u1', givenName: 'Alice', familyName: 'Anders' }, 1), true);
      assert.deepEqual(await stores.users.findById(user.id), { ...user, externalId: 'okta-00u1', givenName: 'Alice', familyName: 'Anders' });
      assert.equal(await stores.users.update(user.id, { externalId: null, givenName: null, familyName: null }, 1), true);
      await assert.rejects(stores.users.create({ ...user, id: 'u2', username: 'ALICE' }), 'usernames are unique regardless of case');
      assert.equal(await stores.users.update(user.id, { tokensRevokedAt: 9 }, 9), true);
      assert.equal(await stores.users.update('nobody', { name: 'x' }, 9), false);
      assert.equal((await stores.users.findById('u1'))?.tokensRevokedAt, 9);
      // Partial updates: a change of one field never writes back another read earlier.
      await Promise.all([stores.users.update('u1', { disabled: true }, 10), stores.users.update('u1', { name: 'Alice A.' }, 10)]);
      assert.deepEqual(await stores.users.findById('u1'), { ...user, name: 'Alice A.', disabled: true, tokensRevokedAt: 9, updatedAt: 10 });
      assert.equal(await stores.users.setPasswordHash('u1', 'stale', 'rehashed', 11), false, 'the hash changed since it was read');
      assert.equal(await stores.users.setPasswordHash('u1', 'p', 'rehashed', 11), true);
      assert.equal((await stores.users.findById('u1'))?.disabled, true, 'a rehash leaves the rest of the user alone');
      assert.equal(await stores.users.delete('u1'), true);
      assert.equal(await stores.users.delete('u1'), false);
      assert.equal(await stores.users.findById('u1'), undefined);
    });

    it('keeps a user\'s attributes, written only over the ones read; records sign-ins, locks and unlocks without touching updatedAt', async () => {
      const user = {
        id: 'u7', username: 'Attr', email: null, emailVerified: false, name: null, passwordHash: 'p', disabled: false, tokensRevokedAt: null,
        attributes: { team: 'blue' }, lastSignInAt: null, lockedUntil: null, unlockedAt: null, externalId: null, givenName: null, familyName: null, createdAt: 1, updatedAt: 1,
      };
      await stores.users.create(user);
      assert.deepEqual(await stores.users.findById('u7'), user);
      // Two changes computed from one read: exactly one is written.
      const outcomes = await Promise.all([
        stores.users.update('u7', { attributes: { team: 'blue', zone: 'a' } }, 2, { attributes: { team: 'blue' } }),
        stores.users.update('u7', { attributes: { team: 'blue', cost: '9' } }, 2, { attributes: { team: 'blue' } }),
      ]);
      assert.deepEqual(outcomes.sort(), [false, true]);
      const now = (await stores.users.findById('u7'))!.attributes;
      assert.equal(Object.keys(now).length, 2);
      // Key order does not matter to the condition.
      const reordered = Object.fromEntries(Object.entries({ ...now }).reverse());
      assert.equal(await stores.users.update('u7', { attributes: { ...now, name_x: 'y' }, name: 'A. Ttr' }, 3, { attributes: reordered }), true);
      assert.deepEqual((await stores.users.findById('u7'))!.attributes, { ...now, name_x: 'y' });
      await stores.users.recordSignIn('u7', 40);
      await stores.users.recordLock('u7', 50);
      const seen = (await stores.users.findById('u7'))!;
      assert.deepEqual([seen.lastSignInAt, seen.lockedUntil, seen.updatedAt, seen.name], [40, 50, 3, 'A. Ttr']);
      assert.equal(await stores.users.update('u7', { lockedUntil: null, unlockedAt: 45 }, 45), true);
      const unlocked = (await stores.users.findById('u7'))!;
      assert.deepEqual([unlocked.lockedUntil, unlocked.unlockedAt, unlocked.lastSignInAt], [null, 45, 40]);
      await stores.users.delete('u7');
    });

    it('creates an owner\'s clients up to a cap, atomically under concurrent creations', async () => {
      const base = {
        secretHash: null, name: 'N', type: 'public' as const, applicationType: 'native' as const, redirectUris: ['http://127.0.0.1/cb'], postLogoutRedirectUris: [],
        grantTypes: ['authorization_code' as const], scopes: ['openid'], tokenEndpointAuthMethod: 'none' as const, disabled: false, tokensRevokedAt: null,
        origin: 'console' as const, registrationTokenHash: null, requireMfa: false, requirePhishingResistant: false, firstParty: false, extras: {}, lifetimes: {}, idTokenAlg: null, accessTokenAlg: null, createdAt: 1, updatedAt: 1, version: 1, defaultApi: null as string | null, attributeClaims: [] as string[],
      };
      const owner = `owner-${randomUUID()}`;
      const made = await Promise.all(Array.from({ length: 12 }, () => stores.clients.createOwned({ ...base, clientId: randomUUID(), ownerId: owner }, 5)));
      assert.equal(made.filter(Boolean).length, 5);
      assert.equal((await stores.clients.listByOwner(owner)).length, 5);
      assert.equal(await stores.clients.createOwned({ ...base, clientId: randomUUID(), ownerId: owner }, 5), false);
      const other = { ...base, clientId: randomUUID(), ownerId: `owner-${randomUUID()}` };
      assert.equal(await stores.clients.createOwned(other, 5), true, 'another owner has a cap of their own');
      assert.deepEqual(await stores.clients.find(other.clientId), other);
      for (const c of await stores.clients.listByOwner(owner)) await stores.clients.delete(c.clientId);
      await stores.clients.delete(other.clientId);
    });

    it('keeps one grant per user and client, updating its scopes', async () => {
      const g1 = await stores.grants.upsert('u', 'c', ['a'], 1);
      const g2 = await stores.grants.upsert('u', 'c', ['a', 'b'], 2);
      assert.equal(g1.grantId, g2.grantId);
      assert.deepEqual((await stores.grants.find('u', 'c'))?.scopes, ['a', 'b']);
      assert.deepEqual((await stores.grants.findById(g1.grantId))?.scopes, ['a', 'b']);
    });

    it('lists, deletes and sweeps grants; revokes refresh and access tokens by grant, user and client', async () => {
      const mine = await stores.grants.upsert('gu1', 'gc1', ['a'], 1);
      const other = await stores.grants.upsert('gu1', 'gc2', ['a'], 2);
      const third = await stores.grants.upsert('gu2', 'gc1', ['a'], 3);
      assert.deepEqual((await stores.grants.listByUser('gu1')).map((g) => g.grantId), [mine.grantId, other.grantId]);

      const byGrant = refresh({ familyId: 'gf1', grantId: mine.grantId, userId: 'gu1', clientId: 'gc1' });
      const byOther = refresh({ familyId: 'gf2', grantId: other.grantId, userId: 'gu1', clientId: 'gc2' });
      const byThird = refresh({ familyId: 'gf3', grantId: third.grantId, userId: 'gu2', clientId: 'gc1' });
      for (const r of [byGrant, byOther, byThird]) await stores.refreshTokens.save(r);
      await stores.accessTokens.recordIssued({ jti: 'g-jti-1', familyId: 'gf1', grantId: mine.grantId, expiresAt: 500 });
      await stores.accessTokens.recordIssued({ jti: 'g-jti-2', familyId: 'gf2', grantId: other.grantId, expiresAt: 500 });

      assert.equal(await stores.grants.delete(mine.grantId), true);
      assert.equal(await stores.grants.delete(mine.grantId), false);
      assert.equal(await stores.refreshTokens.revokeWhere({ grantId: mine.grantId }, 20), 1);
      await stores.accessTokens.revokeWhere({ grantId: mine.grantId });
      assert.equal(await stores.accessTokens.isRevoked('g-jti-1'), true);
      assert.equal(await stores.accessTokens.isRevoked('g-jti-2'), false);
      assert.equal((await stores.refreshTokens.find(byOther.tokenHash))?.revokedAt, null);

      assert.deepEqual(await stores.grants.deleteWhere({ userId: 'gu1' }), [other.grantId]);
      assert.equal(await stores.refreshTokens.revokeWhere({ userId: 'gu1' }, 21), 1);
      assert.equal((await stores.refreshTokens.find(byThird.tokenHash))?.revokedAt, null);
      assert.deepEqual(await stores.grants.deleteWhere({ clientId: 'gc1' }), [third.grantId]);
      assert.equal(await stores.refreshTokens.revokeWhere({ clientId: 'gc1' }, 22), 1);
      assert.equal((await stores.refreshTokens.find(byThird.tokenHash))?.revokedAt, 22);
      assert.equal(await stores.grants.findById(third.grantId), undefined);
    });

    it('forgets expired refresh tokens, issued and revoked access tokens, sessions and interactions', async () => {
      await stores.refreshTokens.save(refresh({ tokenHash: 'old-rt', expiresAt: 30 }));
      await stores.refreshTokens.save(refresh({ tokenHash: 'new-rt', expiresAt: 3000 }));
      await stores.accessTokens.recordIssued({ jti: 'old-at', familyId: 'x', grantId: null, expiresAt: 30 });
      await stores.accessTokens.revokeJti('old-at', 30);
      await stores.accessTokens.revokeJti('new-at', 3000);
      await stores.sessions.create({ idHash: 'old-s', userId: 'su', authTime: 1, amr: ['pwd'], pendingFactor: null, createdAt: 1, expiresAt: 30, absoluteExpiresAt: 30 });
      await stores.sessions.create({ idHash: 'new-s', userId: 'su', authTime: 1, amr: ['pwd'], pendingFactor: null, createdAt: 1, expiresAt: 3000, absoluteExpiresAt: 3000 });
      const interaction = { browserHash: 'b', csrfToken: 'c', clientId: 'c', request: '{}', userId: null, authTime: null, amr: [], sessionHash: null, createdAt: 1 };
      await stores.interactions.create({ ...interaction, id: 'old-i', expiresAt: 30 });
      await stores.interactions.create({ ...interaction, id: 'new-i', expiresAt: 3000 });

      assert.ok((await stores.refreshTokens.deleteExpired(30, 100)) >= 1);
      assert.equal(await stores.refreshTokens.find('old-rt'), undefined);
      assert.ok(await stores.refreshTokens.find('new-rt'));
      assert.ok((await stores.accessTokens.deleteExpired(30, 100)) >= 2);
      assert.equal(await stores.accessTokens.isRevoked('old-at'), false);
      assert.equal(await stores.accessTokens.isRevoked('new-at'), true);
      assert.ok((await stores.sessions.deleteExpired(30, 100)) >= 1);
      assert.equal(await stores.sessions.find('old-s'), undefined);
      assert.ok(await stores.sessions.find('new-s'));
      assert.ok((await stores.interactions.deleteExpired(30, 100)) >= 1);
      assert.equal(await stores.interactions.find('old-i'), undefined);
      assert.ok(await stores.interactions.find('new-i'));
      assert.equal(await stores.sessions.destroyForUser('su'), 1);
      assert.equal(await stores.sessions.find('new-s'), undefined);
    });

    it('lists a user\'s sessions that have not ended, newest first, and ends one of them only for its user', async () => {
      const s = { authTime: 1, amr: ['pwd'], pendingFactor: null, absoluteExpiresAt: 900 };
      await stores.sessions.create({ ...s, idHash: 'lu-old', userId: 'lu', createdAt: 10, expiresAt: 100 });
      await stores.sessions.create({ ...s, idHash: 'lu-a', userId: 'lu', createdAt: 20, expiresAt: 500 });
      await stores.sessions.create({ ...s, idHash: 'lu-b', userId: 'lu', createdAt: 30, expiresAt: 500, pendingFactor: 'verify' });
      await stores.sessions.create({ ...s, idHash: 'lv-a', userId: 'lv', createdAt: 40, expiresAt: 500 });
      assert.deepEqual((await stores.sessions.listByUser('lu', 100)).map((r) => r.idHash), ['lu-b', 'lu-a'], 'an ended session is not listed');
      assert.deepEqual((await stores.sessions.listByUser('lu', 50)).map((r) => r.idHash), ['lu-b', 'lu-a', 'lu-old']);
      assert.deepEqual((await stores.sessions.listByUser('lu', 100))[1], { ...s, idHash: 'lu-a', userId: 'lu', createdAt: 20, expiresAt: 500, deviceUserCodeHash: null });
      assert.deepEqual(await stores.sessions.listByUser('nobody', 0), []);
      assert.equal(await stores.sessions.destroyOfUser('lv-a', 'lu'), false, 'another user\'s session stays');
      assert.ok(await stores.sessions.find('lv-a'));
      assert.equal(await stores.sessions.destroyOfUser('lu-a', 'lu'), true);
      assert.equal(await stores.sessions.destroyOfUser('lu-a', 'lu'), false, 'gone already');
      assert.deepEqual((await stores.sessions.listByUser('lu', 100)).map((r) => r.idHash), ['lu-b']);
      await stores.sessions.destroyForUser('lu');
      await stores.sessions.destroyForUser('lv');
    });

    it('spends initial access tokens once per use, never past their uses or expiry', async () => {
      await stores.initialAccessTokens.create({ tokenHash: 'iat-2', createdAt: 1, expiresAt: 100, usesLeft: 2 });
      assert.equal(await stores.initialAccessTokens.isLive('iat-2', 50), true);
      assert.equal(await stores.initialAccessTokens.isLive('iat-2', 100), false, 'expired');
      const spent = await Promise.all(Array.from({ length: 5 }, () => stores.initialAccessTokens.use('iat-2', 50)));
      assert.equal(await stores.initialAccessTokens.isLive('iat-2', 50), false, 'used up');
      assert.equal(spent.filter(Boolean).length, 2);
      await stores.initialAccessTokens.create({ tokenHash: 'iat-forever', createdAt: 1, expiresAt: null, usesLeft: null });
      assert.equal(await stores.initialAccessTokens.use('iat-forever', 10 ** 9), true);
      assert.equal(await stores.initialAccessTokens.use('iat-forever', 10 ** 9), true);
      await stores.initialAccessTokens.create({ tokenHash: 'iat-old', createdAt: 1, expiresAt: 100, usesLeft: null });
      assert.equal(await stores.initialAccessTokens.use('iat-old', 100), false);
      assert.equal(await stores.initialAccessTokens.use('unknown', 1), false);
      // Listed as hashes with what is left of them; a deleted one registers nothing more.
      assert.deepEqual(await stores.initialAccessTokens.list(), [
        { tokenHash: 'iat-2', createdAt: 1, expiresAt: 100, usesLeft: 0 },
        { tokenHash: 'iat-forever', createdAt: 1, expiresAt: null, usesLeft: null },
        { tokenHash: 'iat-old', createdAt: 1, expiresAt: 100, usesLeft: null },
      ]);
      assert.equal(await stores.initialAccessTokens.delete('iat-forever'), true);
      assert.equal(await stores.initialAccessTokens.delete('iat-forever'), false);
      assert.equal(await stores.initialAccessTokens.isLive('iat-forever', 10 ** 9), false);
      assert.equal(await stores.initialAccessTokens.use('iat-forever', 10 ** 9), false);
      assert.deepEqual((await stores.initialAccessTokens.list()).map((t) => t.tokenHash), ['iat-2', 'iat-old']);
    });

    it('keeps the second factor: one pending enrollment, enabled once, each time step and backup code used once, backup codes replaced at once', async () => {
      const base = { userId: 'mfa-u', secretSealed: 's1', enabledAt: null, lastTimeStep: 0, backupCodeHashes: [], createdAt: 1, pendingSession: 'sess-a' as string | null };
      assert.equal(await stores.mfa.startEnrollment(base), true);
      assert.equal(await stores.mfa.startEnrollment({ ...base, secretSealed: 's2' }), true, 'a pending enrollment is replaced');
      assert.equal((await stores.mfa.find('mfa-u'))?.secretSealed, 's2');
      assert.equal((await stores.mfa.find('mfa-u'))?.pendingSession, 'sess-a');
      assert.equal(await stores.mfa.enable('mfa-u', ['h1', 'h2'], 100, 5, 's1'), false, 'only the secret that was checked is enabled, not one restarted meanwhile');
      assert.equal(await stores.mfa.enable('mfa-u', ['h1', 'h2'], 100, 5, 's2'), true);
      assert.equal(await stores.mfa.enable('mfa-u', ['h3'], 101, 6, 's2'), false, 'enabled once');
      assert.equal(await stores.mfa.startEnrollment({ ...base, secretSealed: 's3' }), false, 'an enabled factor stays');
      assert.deepEqual(await stores.mfa.find('mfa-u'), { ...base, secretSealed: 's2', enabledAt: 5, lastTimeStep: 100, backupCodeHashes: ['h1', 'h2'], pendingSession: null });
      assert.equal(await stores.mfa.useTimeStep('mfa-u', 100), false, 'the confirming step is spent');
      const steps = await Promise.all([stores.mfa.useTimeStep('mfa-u', 101), stores.mfa.useTimeStep('mfa-u', 101)]);
      assert.deepEqual(steps.sort(), [false, true]);
      const spent = await Promise.all([stores.mfa.useBackupCode('mfa-u', 'h1'), stores.mfa.useBackupCode('mfa-u', 'h1'), stores.mfa.useBackupCode('mfa-u', 'nope')]);
      assert.equal(spent.filter(Boolean).length, 1);
      assert.deepEqual((await stores.mfa.find('mfa-u'))?.backupCodeHashes, ['h2']);
      assert.equal(await stores.mfa.replaceBackupCodes('mfa-u', ['n1', 'n2']), true);
      assert.equal(await stores.mfa.useBackupCode('mfa-u', 'h2'), false, 'a replaced code no longer works');
      assert.deepEqual((await stores.mfa.find('mfa-u'))?.backupCodeHashes, ['n1', 'n2']);
      assert.equal(await stores.mfa.replaceBackupCodes('nobody', ['x']), false, 'no enabled factor, nothing replaced');
      assert.equal(await stores.mfa.delete('mfa-u'), true);
      assert.equal(await stores.mfa.find('mfa-u'), undefined);
    });

    it('steps a signed-in session up to a second factor, never one still waiting for it, and keeps the device code it confirms', async () => {
      await stores.sessions.create({ idHash: 'up', userId: 'su', authTime: 7, amr: ['pwd'], pendingFactor: null, createdAt: 1, expiresAt: 900, absoluteExpiresAt: 900 });
      await stores.sessions.create({ idHash: 'waiting', userId: 'su', authTime: 7, amr: ['pwd'], pendingFactor: 'verify', createdAt: 1, expiresAt: 900, absoluteExpiresAt: 900 });
      assert.equal(await stores.sessions.stepUp('up', ['pwd', 'otp', 'mfa']), true);
      assert.equal(await stores.sessions.stepUp('waiting', ['pwd', 'otp', 'mfa']), false, 'a pending session completes through completeFactor only');
      assert.equal(await stores.sessions.stepUp('unknown', ['pwd']), false);
      assert.deepEqual((await stores.sessions.find('up'))?.amr, ['pwd', 'otp', 'mfa']);
      assert.equal((await stores.sessions.find('up'))?.authTime, 7, 'a step-up keeps the time of the sign-in');
      await stores.sessions.setDeviceUserCode('up', 'uc-hash');
      assert.equal((await stores.sessions.find('up'))?.deviceUserCodeHash, 'uc-hash');
      await stores.sessions.setDeviceUserCode('up', null);
      assert.equal((await stores.sessions.find('up'))?.deviceUserCodeHash, null);
    });

    it('extends a signed-in session on use, only ever later, never one that ended or still waits for its second factor', async () => {
      const session = { userId: 'tu', authTime: 1, amr: ['pwd'], createdAt: 1, expiresAt: 100, absoluteExpiresAt: 1000 };
      await stores.sessions.create({ ...session, idHash: 'used', pendingFactor: null });
      await stores.sessions.create({ ...session, idHash: 'half', pendingFactor: 'verify' });
      await stores.sessions.touch('used', 50, 150);
      assert.equal((await stores.sessions.find('used'))?.expiresAt, 150);
      await Promise.all([stores.sessions.touch('used', 60, 160), stores.sessions.touch('used', 55, 155)]);
      assert.equal((await stores.sessions.find('used'))?.expiresAt, 160, 'the latest end wins, whatever the order');
      await stores.sessions.touch('used', 58, 158);
      assert.equal((await stores.sessions.find('used'))?.expiresAt, 160, 'never shortened');
      await stores.sessions.touch('used', 160, 260);
      assert.equal((await stores.sessions.find('used'))?.expiresAt, 160, 'an ended session stays ended');
      await stores.sessions.touch('half', 50, 150);
      assert.equal((await stores.sessions.find('half'))?.expiresAt, 100);
      assert.equal((await stores.sessions.find('used'))?.absoluteExpiresAt, 1000);
      await stores.sessions.destroyForUser('tu');
    });

    it('completes a session waiting for its second factor once, and appends and queries audit events', async () => {
      await stores.sessions.create({ idHash: 'pend', userId: 'su', authTime: 1, amr: ['pwd'], pendingFactor: 'verify', createdAt: 1, expiresAt: 10, absoluteExpiresAt: 10 });
      assert.equal(await stores.sessions.completeFactor('pend', ['pwd', 'otp', 'mfa'], 5, 500, 800), true);
      assert.equal(await stores.sessions.completeFactor('pend', ['pwd'], 6, 600, 900), false);
      assert.deepEqual(await stores.sessions.find('pend'), { idHash: 'pend', userId: 'su', authTime: 5, amr: ['pwd', 'otp', 'mfa'], pendingFactor: null, deviceUserCodeHash: null, createdAt: 1, expiresAt: 500, absoluteExpiresAt: 800 });

      const event = { type: 'login.failure' as const, outcome: 'failure' as const, userId: 'au', username: 'ann', clientId: 'ac', ip: '10.0.0.1', userAgent: 'ua', reason: 'wrong_password', actor: null };
      await stores.audit.append({ ...event, at: 100 });
      await stores.audit.append({ ...event, at: 200, type: 'login.success', outcome: 'success', reason: 'password' });
      await stores.audit.append({ ...event, at: 300, userId: 'other', username: 'bob', clientId: 'bc' });
      const mine = await stores.audit.list({ user: 'ANN', limit: 10 });
      assert.deepEqual(mine.map((e) => e.at), [200, 100], 'newest first, by username in any case');
      assert.deepEqual((await stores.audit.list({ user: 'au', type: 'login.failure', limit: 10 })).map((e) => e.at), [100]);
      assert.deepEqual((await stores.audit.list({ clientId: 'bc', since: 250, limit: 10 })).map((e) => e.userId), ['other']);
      assert.deepEqual((await stores.audit.list({ beforeId: mine[0]!.id, user: 'au', limit: 10 })).map((e) => e.at), [100]);
      assert.equal(await stores.audit.deleteExpired(200, 1), 1, 'bounded batch');
      assert.equal(await stores.audit.deleteExpired(200, 10), 1);
      assert.deepEqual((await stores.audit.list({ since: 0, limit: 10 })).map((e) => e.at).filter((at) => at <= 300), [300]);
    });

    it('keeps identical failures from one address within a minute as one record with a count, appended concurrently or not', async () => {
      const failure = { type: 'login.failure' as const, outcome: 'failure' as const, userId: null, username: 'flood', clientId: null, ip: '192.0.2.9', userAgent: 'bot', reason: 'wrong_password', actor: null };
      const minute = 60 * 30_000_000;
      // One burst is one group commit; the later appends each meet the stored record.
      await Promise.all(Array.from({ length: 100 }, () => stores.audit.append({ ...failure, at: minute + 5 })));
      for (let i = 0; i < 5; i++) await stores.audit.append({ ...failure, at: minute + 50 });
      await stores.audit.append({ ...failure, at: minute + 60 });
      await stores.audit.append({ ...failure, at: minute + 61, ip: '192.0.2.10' });
      await stores.audit.append({ ...failure, at: minute + 62, reason: 'locked_out' });
      await Promise.all([1, 2].map(() => stores.audit.append({ ...failure, at: minute + 63, outcome: 'success', type: 'login.success', reason: 'password' })));
      await Promise.all([1, 2].map(() => stores.audit.append({ ...failure, at: minute + 64, ip: null })));
      const records = await stores.audit.list({ user: 'flood', limit: 20 });
      assert.deepEqual(
        records.map((e) => [e.at, e.type, e.ip, e.reason, e.count]),
        [
          [minute + 64, 'login.failure', null, 'wrong_password', 1],
          [minute + 64, 'login.failure', null, 'wrong_password', 1],
          [minute + 63, 'login.success', '192.0.2.9', 'password', 1],
          [minute + 63, 'login.success', '192.0.2.9', 'password', 1],
          [minute + 62, 'login.failure', '192.0.2.9', 'locked_out', 1],
          [minute + 61, 'login.failure', '192.0.2.10', 'wrong_password', 1],
          [minute + 60, 'login.failure', '192.0.2.9', 'wrong_password', 1],
          [minute + 5, 'login.failure', '192.0.2.9', 'wrong_password', 105],
        ],
      );
    });

    it('counts events by type over a time range, an aggregated record as the events it stands for', async () => {
      const base = 60 * 40_000_000;
      const event = { type: 'login.failure' as const, outcome: 'failure' as const, userId: null, username: 'counted', clientId: null, ip: '192.0.2.20', userAgent: null, reason: 'wrong_password', actor: null };
      await Promise.all(Array.from({ length: 3 }, () => stores.audit.append({ ...event, at: base + 1 })));
      await stores.audit.append({ ...event, at: base + 2, type: 'login.success', outcome: 'success', reason: 'password' });
      await stores.audit.append({ ...event, at: base + 3, type: 'token.issued', outcome: 'success', reason: null });
      await stores.audit.append({ ...event, at: base + 500, type: 'token.issued', outcome: 'success', reason: null });
      await stores.audit.append({ ...event, at: base - 10, type: 'login.success', outcome: 'success', reason: 'password' });
      assert.deepEqual(await stores.audit.countByType({ since: base, types: ['login.failure', 'login.success', 'token.issued', 'login.lockout'] }), { 'login.failure': 3, 'login.success': 1, 'token.issued': 2 });
      assert.deepEqual(await stores.audit.countByType({ since: base, until: base + 100, types: ['token.issued', 'login.success'] }), { 'token.issued': 1, 'login.success': 1 });
      assert.deepEqual(await stores.audit.countByType({ since: base, types: [] }), {});
    });

    it('polls device codes at their interval, slows down early pollers, and consumes an approval once', async () => {
      const now = 1_800_000_000;
      const record = {
        deviceCodeHash: `dc-${randomUUID()}`, userCodeHash: `uc-${randomUUID()}`, clientId: 'c', scopes: ['openid'], resources: ['https://api.example'], status: 'pending' as const,
        userId: null, authTime: null, amr: [], grantId: null, interval: 5, lastPolledAt: null, createdAt: now, expiresAt: now + 600,
      };
      await stores.deviceCodes.create(record);
      assert.deepEqual(await stores.deviceCodes.findByUserCode(record.userCodeHash), record);
      assert.equal((await stores.deviceCodes.poll(record.deviceCodeHash, now))?.tooSoon, false);
      const early = await stores.deviceCodes.poll(record.deviceCodeHash, now + 2);
      assert.equal(early?.tooSoon, true);
      assert.equal(early?.record.interval, 10, 'RFC 8628 §3.5: slow_down adds 5 seconds');
      assert.equal((await stores.deviceCodes.poll(record.deviceCodeHash, now + 12))?.tooSoon, false);
      assert.equal(await stores.deviceCodes.poll('unknown', now), undefined);
      const decision = { status: 'approved' as const, userId: 'u', authTime: now, amr: ['pwd'], grantId: 'g' };
      assert.equal(await stores.deviceCodes.decide(record.userCodeHash, decision), true);
      assert.equal(await stores.deviceCodes.decide(record.userCodeHash, { status: 'denied' }), false, 'decided once');
      const consumed = await Promise.all([1, 2, 3].map(() => stores.deviceCodes.consume(record.deviceCodeHash)));
      assert.equal(consumed.filter(Boolean).length, 1);
      assert.equal(await stores.deviceCodes.deleteExpired(now + 600, 10), 1);
      assert.equal(await stores.deviceCodes.findByUserCode(record.userCodeHash), undefined);
    });

    it('keeps groups and roles: unique names, members and grants added once under bursts, held through groups, gone with what they hang on', async () => {
      const tag = randomUUID().slice(0, 8);
      const person = (id: string) => ({ id, username: id, email: null, emailVerified: false, name: null, passwordHash: 'p', disabled: false, tokensRevokedAt: null, attributes: {}, lastSignInAt: null, lockedUntil: null, unlockedAt: null, externalId: null, givenName: null, familyName: null, createdAt: 1, updatedAt: 1 });
      const [ann, bob] = [person(`ann-${tag}`), person(`bob-${tag}`)];
      await stores.users.create(ann);
      await stores.users.create(bob);
      const api = { id: `api-${tag}`, identifier: `https://notes-${tag}.example`, name: 'Notes', scopes: [{ name: 'notes:read', description: 'r' }], accessTokenTtl: null, accessTokenAlg: null, rbac: true, introspectionClients: ['rs'], createdAt: 1, updatedAt: 1, version: 1 };
      assert.equal(await stores.apis.create(api), true);
      assert.deepEqual((await stores.apis.findById(api.id))?.introspectionClients, ['rs']);

      const group = { id: `g-${tag}`, name: `Staff-${tag}`, description: 'd', mappings: [{ providerId: 'p1', group: 'cn=staff' }], externalId: null, createdAt: 1, updatedAt: 1 };
      const creations = await Promise.all([group, { ...group, id: `g2-${tag}`, name: `STAFF-${tag}` }].map((g) => stores.groups.create(g)));
      assert.deepEqual(creations.sort(), [false, true], 'group names are unique regardless of case, under a burst');
      const staff = (await stores.groups.findByName(`staff-${tag}`))!;
      assert.ok((await stores.groups.listMapped()).some((g) => g.id === staff.id));

      assert.deepEqual(await stores.groups.findById(staff.id), staff);
      assert.equal(await stores.groups.findById('no-such-group'), undefined);
      // SCIM renames a group and keeps its client's id for it; a name another group holds (in any case) is refused.
      const other = { ...group, id: `g3-${tag}`, name: `Other-${tag}` };
      assert.equal(await stores.groups.create(other), true);
      assert.equal(await stores.groups.update(other.id, { name: `STAFF-${tag}` }, 3), false, 'the name is taken');
      const renames = await Promise.all([`Ops-${tag}`, `OPS-${tag}`].map((name, i) => stores.groups.update(i === 0 ? other.id : staff.id, { name }, 3)));
      assert.deepEqual(renames.sort(), [false, true], 'two groups never end with one name, under a burst');
      const renamed = (await stores.groups.findByName(`ops-${tag}`))!;
      await stores.groups.update(renamed.id === staff.id ? other.id : staff.id, { name: `Spare-${tag}` }, 3);
      assert.equal(await stores.groups.update(staff.id, { name: `Staff-${tag}`, externalId: 'ext-42' }, 4), true);
      // Either spelling may have won the burst above; the rename names it `Staff-…` whichever did.
      assert.deepEqual(await stores.groups.findById(staff.id), { ...staff, name: `Staff-${tag}`, externalId: 'ext-42', updatedAt: 4 });
      assert.equal(await stores.groups.update(staff.id, { externalId: null }, 4), true);
      assert.equal(await stores.groups.delete(other.id), true);
      const adds = await Promise.all(Array.from({ length: 6 }, () => stores.groups.addMember(staff.id, ann.id, 2)));
      assert.equal(adds.filter(Boolean).length, 1, 'a member is added once');
      assert.equal(await stores.groups.addMember(staff.id, 'no-such-user', 2), false);
      assert.equal(await stores.groups.addMember('no-such-group', ann.id, 2), false);
      assert.deepEqual(await stores.groups.listMembers(staff.id), [ann.id]);
      assert.deepEqual((await stores.groups.listByMember(ann.id)).map((g) => g.id), [staff.id]);

      const role = { id: `r-${tag}`, apiId: api.id, name: 'Reader', description: '', scopes: ['notes:read'], createdAt: 1, updatedAt: 1 };
      const global = { ...role, id: `rg-${tag}`, apiId: null, scopes: [] };
      assert.equal(await stores.roles.create(role), true);
      assert.equal(await stores.roles.create({ ...role, id: `r2-${tag}`, name: 'READER' }), false, 'role names are unique per API');
      assert.equal(await stores.roles.create(global), true, 'a global role may share an API role\'s name');
      assert.equal(await stores.roles.create({ ...role, id: `r3-${tag}`, apiId: 'no-such-api' }), false, 'no role for an API that is gone');
      assert.equal((await stores.roles.find(api.id, 'reader'))?.id, role.id);
      assert.equal((await stores.roles.find(null, 'reader'))?.id, global.id);

      const grants = await Promise.all(Array.from({ length: 6 }, () => stores.roles.grant(role.id, { kind: 'group', id: staff.id }, 3)));
      assert.equal(grants.filter(Boolean).length, 1, 'a role is granted once');
      assert.equal(await stores.roles.grant(global.id, { kind: 'user', id: bob.id }, 3), true);
      assert.equal(await stores.roles.grant(global.id, { kind: 'user', id: 'nobody' }, 3), false);
      assert.deepEqual((await stores.roles.heldBy(ann.id, [staff.id], api.id)).map((r) => r.id), [role.id], 'held through the group');
      assert.deepEqual(await stores.roles.heldBy(ann.id, [], api.id), [], 'not held outside the group');
      assert.deepEqual((await stores.roles.heldBy(bob.id, [], api.id)).map((r) => r.id), [global.id], 'global roles count for every API');
      assert.deepEqual(await stores.roles.holders(role.id), [{ kind: 'group', id: staff.id }]);

      assert.equal(await stores.groups.delete(staff.id), true);
      assert.deepEqual(await stores.roles.holders(role.id), [], 'deleting a group drops the roles granted to it');
      assert.deepEqual(await stores.groups.listByMember(ann.id), [], 'and its memberships');
      assert.equal(await stores.users.delete(bob.id), true);
      assert.deepEqual(await stores.roles.holders(global.id), [], 'deleting a user drops their roles');
      assert.equal(await stores.apis.delete(api.id), true);
      assert.equal(await stores.roles.find(api.id, 'reader'), undefined, 'deleting an API deletes its roles');
      assert.ok(await stores.roles.find(null, 'reader'), 'global roles stay');
      assert.equal(await stores.roles.delete(global.id), true);
    });

    it('answers a readiness ping, and keeps the first value of a setting', async () => {
      await stores.ping();
      const written = await Promise.all(['first', 'second', 'third'].map((v) => stores.settings.getOrSet('shared-fact', v)));
      assert.equal(new Set(written).size, 1, 'concurrent writers agree on one value');
      assert.equal(await stores.settings.getOrSet('shared-fact', 'later'), written[0]);
    });

    it('retires and deletes signing keys', async () => {
      const key = { kid: `k-${randomUUID()}`, alg: 'ES256' as const, privateJwk: '{}', createdAt: 1, retiredAt: null };
      await stores.keys.add(key);
      assert.equal(await stores.keys.retire(key.kid, 5), true);
      assert.equal(await stores.keys.retire(key.kid, 6), false, 'a key retires once');
      assert.equal((await stores.keys.all()).find((k) => k.kid === key.kid)?.retiredAt, 5);
      assert.equal(await stores.keys.delete(key.kid), true);
      assert.equal((await stores.keys.all()).some((k) => k.kid === key.kid), false);
    });

    it('replaces a private key only while it still holds the expected value: of concurrent replacements one wins', async () => {
      const key = { kid: `k-${randomUUID()}`, alg: 'ES256' as const, privateJwk: '{"d":"clear"}', createdAt: 1, retiredAt: null };
      await stores.keys.add(key);
      const won = await Promise.all(['a', 'b', 'c', 'd'].map((v) => stores.keys.replacePrivateJwk(key.kid, key.privateJwk, `sealed-${v}`)));
      assert.equal(won.filter(Boolean).length, 1);
      const stored = (await stores.keys.all()).find((k) => k.kid === key.kid)?.privateJwk;
      assert.equal(stored, `sealed-${['a', 'b', 'c', 'd'][won.indexOf(true)]}`);
      assert.equal(await stores.keys.replacePrivateJwk(key.kid, key.privateJwk, 'late'), false, 'the old value is gone');
      assert.equal(await stores.keys.replacePrivateJwk('unknown', key.privateJwk, 'x'), false);
      await stores.keys.delete(key.kid);
    });

    it("removes a user's passkeys while `keep` others remain, never the last under concurrent removals; takes a challenge once", async () => {
      await stores.users.create({
        id: 'pk-u', username: 'pk-user', email: null, emailVerified: false, name: null, passwordHash: '', disabled: false, tokensRevokedAt: null,
        attributes: {}, lastSignInAt: null, lockedUntil: null, unlockedAt: null, externalId: null, givenName: null, familyName: null, createdAt: 1, updatedAt: 1,
      });
      const ids = ['pk-a', 'pk-b', 'pk-c', 'pk-d'];
      for (const id of ids) {
        assert.equal(await stores.passkeys.create({ id, userId: 'pk-u', publicKey: 'k', counter: 0, transports: [], deviceType: 'singleDevice', backedUp: false, aaguid: '0', name: id, createdAt: 1, lastUsedAt: null }), true);
      }
      assert.equal(await stores.passkeys.deleteKeeping('someone-else', 'pk-a', 0), false, "only the user's own");
      const removed = await Promise.all(ids.map((id) => stores.passkeys.deleteKeeping('pk-u', id, 1)));
      assert.equal(removed.filter(Boolean).length, 3);
      assert.equal((await stores.passkeys.listByUser('pk-u')).length, 1);
      const [last] = await stores.passkeys.listByUser('pk-u');
      assert.equal(await stores.passkeys.deleteKeeping('pk-u', last!.id, 0), true);
      await stores.passkeys.saveChallenge({ challengeHash: 'ch', purpose: 'sign-in', binding: 'b', userId: null, expiresAt: 100 });
      assert.equal(await stores.passkeys.takeChallenge('ch', 'second-factor', 'b', 1), undefined, 'another purpose');
      assert.equal(await stores.passkeys.takeChallenge('ch', 'sign-in', 'other', 1), undefined, 'another binding');
      const taken = await Promise.all(Array.from({ length: 6 }, () => stores.passkeys.takeChallenge('ch', 'sign-in', 'b', 1)));
      assert.equal(taken.filter(Boolean).length, 1);
      await stores.users.delete('pk-u');
    });
  });
}
