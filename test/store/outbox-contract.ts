import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Stores } from '../../src/store/ports.js';
import { buildUserWithoutPassword } from '../../src/core/accounts/users.js';

/** The mail outbox and single-use account tokens, as every store backend must keep them (called inside storeContract). */
export function outboxContract(stores: () => Stores): void {
  const queue = async (over: { nextAttemptAt?: number } = {}) => {
    const id = randomUUID();
    await stores().mailOutbox.enqueue({ id, recipient: 'a@example.com', template: 't', content: 'sealed', nextAttemptAt: over.nextAttemptAt ?? 10, createdAt: 10 });
    return id;
  };

  it('outbox: concurrent claims get each due message exactly once', async () => {
    const ids = new Set<string>(await Promise.all(Array.from({ length: 20 }, () => queue())));
    // Eight "nodes" claim at once, three messages at a time, until nothing is left.
    const claimedBy = new Map<string, string[]>();
    await Promise.all(
      Array.from({ length: 8 }, async (_, n) => {
        for (;;) {
          const got = await stores().mailOutbox.claimDue(`node-${n}`, 100, 160, 3);
          if (got.length === 0) return;
          for (const m of got) if (ids.has(m.id)) claimedBy.set(m.id, [...(claimedBy.get(m.id) ?? []), `node-${n}`]);
        }
      }),
    );
    assert.equal(claimedBy.size, 20, 'every message was claimed');
    for (const [id, owners] of claimedBy) assert.equal(owners.length, 1, `${id} claimed by ${owners.join(', ')}`);
    const one = (await stores().mailOutbox.find([...ids][0]!))!;
    assert.equal(one.attempts, 1);
    assert.equal(one.claimedUntil, 160);
    // Nothing is due again until the claims lapse...
    assert.deepEqual(await stores().mailOutbox.claimDue('late', 150, 210, 100), []);
    // ...then another node may take them (the first one died mid-send).
    const retaken = (await stores().mailOutbox.claimDue('late', 161, 220, 100)).filter((m) => ids.has(m.id));
    assert.equal(retaken.length, 20);
    assert.ok(retaken.every((m) => m.attempts === 2));
    for (const m of retaken) assert.ok(await stores().mailOutbox.markSent(m.id, 'late', 170));
  });

  it('outbox: only the holder of the claim settles a message; sent and failed messages lose their content', async () => {
    const id = await queue({ nextAttemptAt: 50 });
    assert.deepEqual((await stores().mailOutbox.claimDue('a', 49, 100, 100)).filter((m) => m.id === id), [], 'not due yet');
    const [claimed] = (await stores().mailOutbox.claimDue('a', 50, 100, 100)).filter((m) => m.id === id);
    assert.equal(claimed?.content, 'sealed');
    assert.equal(await stores().mailOutbox.markSent(id, 'b', 60), false, 'another node cannot');
    assert.ok(await stores().mailOutbox.markRetry(id, 'a', 200, 'connection refused'));
    const waiting = (await stores().mailOutbox.find(id))!;
    assert.equal(waiting.status, 'pending');
    assert.equal(waiting.nextAttemptAt, 200);
    assert.equal(waiting.lastError, 'connection refused');
    assert.equal(waiting.claimedBy, null);
    assert.deepEqual((await stores().mailOutbox.claimDue('a', 199, 300, 100)).filter((m) => m.id === id), [], 'backing off');
    assert.equal((await stores().mailOutbox.claimDue('b', 200, 300, 100)).filter((m) => m.id === id).length, 1);
    assert.equal(await stores().mailOutbox.markSent(id, 'a', 210), false, 'a lost the claim when it retried');
    assert.ok(await stores().mailOutbox.markFailed(id, 'b', 210, 'gave up'));
    const failed = (await stores().mailOutbox.find(id))!;
    assert.equal(failed.status, 'failed');
    assert.equal(failed.content, '', 'a given-up message keeps no content');
    assert.equal(failed.settledAt, 210);
    assert.equal(await stores().mailOutbox.markSent(id, 'b', 220), false, 'settled once');
    assert.deepEqual((await stores().mailOutbox.claimDue('c', 10_000, 10_100, 100)).filter((m) => m.id === id), [], 'never claimed again');
  });

  it('outbox: deletes settled messages past the retention, in batches, never pending ones', async () => {
    const pending = await queue({ nextAttemptAt: 1_000_000 });
    const settled = [await queue(), await queue(), await queue()];
    for (const id of settled) {
      await stores().mailOutbox.claimDue('x', 10, 20, 100);
      await stores().mailOutbox.markSent(id, 'x', 15);
    }
    let deleted = 0;
    for (let i = 0; i < 10; i++) deleted += await stores().mailOutbox.deleteSettled(15, 2);
    assert.ok(deleted >= 3);
    for (const id of settled) assert.equal(await stores().mailOutbox.find(id), undefined);
    assert.equal((await stores().mailOutbox.find(pending))?.status, 'pending');
  });

  it('account tokens: consumed exactly once under concurrency; never when expired; gone with the user', async () => {
    const user = buildUserWithoutPassword({ username: `u-${randomUUID().slice(0, 8)}` }, 1);
    await stores().users.create(user);
    const record = { tokenHash: randomUUID(), purpose: 'password_reset' as const, userId: user.id, createdAt: 100, expiresAt: 200, consumedAt: null };
    await stores().accountTokens.create(record);
    assert.deepEqual(await stores().accountTokens.findUsable(record.tokenHash, 'password_reset', 150), record);
    assert.equal(await stores().accountTokens.findUsable(record.tokenHash, 'password_reset', 200), undefined, 'expired');
    const uses = await Promise.all(Array.from({ length: 10 }, () => stores().accountTokens.consume(record.tokenHash, 'password_reset', 150)));
    assert.equal(uses.filter((u) => u !== undefined).length, 1);
    assert.equal(uses.find((u) => u !== undefined)?.userId, user.id);
    assert.equal(await stores().accountTokens.findUsable(record.tokenHash, 'password_reset', 150), undefined, 'used');
    const late = { ...record, tokenHash: randomUUID() };
    await stores().accountTokens.create(late);
    assert.equal(await stores().accountTokens.consume(late.tokenHash, 'password_reset', 200), undefined, 'expired at expiresAt');
    const other = { ...record, tokenHash: randomUUID(), expiresAt: 10_000 };
    const another = { ...record, tokenHash: randomUUID(), expiresAt: 10_000 };
    await stores().accountTokens.create(other);
    await stores().accountTokens.create(another);
    assert.equal(await stores().accountTokens.consumeAllOf(user.id, 'password_reset', 150), 3, 'the unused ones (the expired one too)');
    assert.equal(await stores().accountTokens.consume(other.tokenHash, 'password_reset', 150), undefined);
    assert.ok((await stores().accountTokens.deleteExpired(200, 100)) >= 2);
    const kept = { ...record, tokenHash: randomUUID(), expiresAt: 10_000 };
    await stores().accountTokens.create(kept);
    await stores().users.delete(user.id);
    assert.equal(await stores().accountTokens.findUsable(kept.tokenHash, 'password_reset', 150), undefined, 'deleted with its user');
  });

  it('verification tokens keep the address they prove and the request they came from', async () => {
    const user = buildUserWithoutPassword({ username: `v-${randomUUID().slice(0, 8)}` }, 1);
    await stores().users.create(user);
    const record = { tokenHash: randomUUID(), purpose: 'email_verification' as const, userId: user.id, createdAt: 100, expiresAt: 200, consumedAt: null, email: 'New@Example.org', interactionId: randomUUID() };
    await stores().accountTokens.create(record);
    assert.equal(await stores().accountTokens.findUsable(record.tokenHash, 'password_reset', 150), undefined, 'another purpose');
    assert.deepEqual(await stores().accountTokens.consume(record.tokenHash, 'email_verification', 150), { ...record, consumedAt: 150 });
  });

  it('sign-up: one claim per address under concurrency, taken over only from the holder named; invitations used once', async () => {
    const key = `${randomUUID()}@example.org`;
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => stores().signups.claimAddress(key, `user-${i}`, 100)));
    assert.equal(claims.filter(Boolean).length, 1);
    const holder = (await stores().signups.addressHolder(key))?.userId;
    assert.deepEqual(await stores().signups.addressHolder(key), { userId: `user-${claims.indexOf(true)}`, claimedAt: 100 });
    const moves = await Promise.all(['a', 'b', 'c'].map((to) => stores().signups.takeOverAddress(key, holder!, to, 110)));
    assert.equal(moves.filter(Boolean).length, 1);
    assert.equal(await stores().signups.takeOverAddress(key, 'nobody', 'x', 120), false);
    const now = await stores().signups.addressHolder(key);
    assert.equal(now?.claimedAt, 110, 'a take-over is a new claim');
    await stores().signups.releaseAddress(key, 'someone-else');
    assert.deepEqual(await stores().signups.addressHolder(key), now);
    await stores().signups.releaseAddress(key, now!.userId);
    assert.equal(await stores().signups.addressHolder(key), undefined);

    const invitation = { tokenHash: randomUUID(), email: 'guest@example.org', invitedBy: 'cli', createdAt: 100, expiresAt: 200, consumedAt: null };
    await stores().signups.createInvitation(invitation);
    assert.deepEqual(await stores().signups.findInvitation(invitation.tokenHash, 150), invitation);
    assert.equal(await stores().signups.findInvitation(invitation.tokenHash, 200), undefined, 'expired');
    const uses = await Promise.all(Array.from({ length: 8 }, () => stores().signups.consumeInvitation(invitation.tokenHash, 150)));
    assert.equal(uses.filter((u) => u !== undefined).length, 1);
    assert.ok((await stores().signups.deleteExpired(10_000, 100)) >= 1);
  });
}
