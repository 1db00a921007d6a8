import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { CodeRecord, RefreshRecord, Stores } from '../../src/store/ports.js';

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

    const code = (over: Partial<CodeRecord> = {}): CodeRecord => ({
      codeHash: randomUUID(), clientId: 'c', userId: 'u', redirectUri: 'https://a/cb', redirectUriInRequest: true, codeChallenge: 'x',
      scopes: ['openid'], nonce: null, authTime: 1, grantId: 'g', familyId: randomUUID(), createdAt: 1, expiresAt: 100, ...over,
    });
    const refresh = (over: Partial<RefreshRecord> = {}): RefreshRecord => ({
      tokenHash: randomUUID(), familyId: 'f', grantId: null, clientId: 'c', userId: 'u', scopes: ['a', 'b'], authTime: 1,
      createdAt: 1, expiresAt: 1000, rotatedAt: null, revokedAt: null, ...over,
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

    it('deletes expired codes', async () => {
      await stores.codes.save(code({ expiresAt: 10 }));
      assert.ok((await stores.codes.deleteExpired(11)) >= 1);
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

    it('revokes a family: its refresh tokens and recorded access tokens', async () => {
      const a = refresh({ familyId: 'fam2' });
      const b = refresh({ familyId: 'fam2' });
      const other = refresh({ familyId: 'fam3' });
      for (const r of [a, b, other]) await stores.refreshTokens.save(r);
      await stores.accessTokens.recordIssued('jti-a', 'fam2', 500);
      await stores.accessTokens.recordIssued('jti-other', 'fam3', 500);
      await stores.refreshTokens.revokeFamily('fam2', 9);
      await stores.accessTokens.revokeFamily('fam2');
      await stores.accessTokens.revokeFamily('fam2');
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

    it('stores clients and users round-trip, with usernames matched case-insensitively', async () => {
      const client = {
        clientId: 'cid', secretHash: 'h', name: 'N', type: 'confidential' as const, applicationType: 'web' as const, redirectUris: ['https://a/cb'],
        grantTypes: ['authorization_code' as const], scopes: ['openid'], tokenEndpointAuthMethod: 'client_secret_basic' as const, disabled: false, createdAt: 1, updatedAt: 1,
      };
      await stores.clients.create(client);
      assert.deepEqual(await stores.clients.find('cid'), client);
      assert.equal(await stores.clients.update({ ...client, name: 'M' }), true);
      assert.equal((await stores.clients.find('cid'))?.name, 'M');
      assert.equal(await stores.clients.update({ ...client, clientId: 'none' }), false);
      assert.equal(await stores.clients.delete('cid'), true);
      assert.equal(await stores.clients.find('cid'), undefined);

      const user = { id: 'u1', username: 'Alice', email: null, emailVerified: false, name: null, passwordHash: 'p', disabled: false, createdAt: 1, updatedAt: 1 };
      await stores.users.create(user);
      assert.deepEqual(await stores.users.findByUsername('aLiCe'), user);
      await assert.rejects(stores.users.create({ ...user, id: 'u2', username: 'ALICE' }), 'usernames are unique regardless of case');
    });

    it('keeps one grant per user and client, updating its scopes', async () => {
      const g1 = await stores.grants.upsert('u', 'c', ['a'], 1);
      const g2 = await stores.grants.upsert('u', 'c', ['a', 'b'], 2);
      assert.equal(g1.grantId, g2.grantId);
      assert.deepEqual((await stores.grants.find('u', 'c'))?.scopes, ['a', 'b']);
    });
  });
}
