import { type Kysely, type Selectable } from 'kysely';
import type { InvitationRecord, SignupStore } from '../ports.js';
import type { Database, InvitationsTable } from './schema.js';
import { deleteExpiredRows } from './expiry.js';
import { changed, inserted } from './json.js';

function fromRow(r: Selectable<InvitationsTable>): InvitationRecord {
  return {
    tokenHash: r.token_hash,
    email: r.email,
    invitedBy: r.invited_by,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    consumedAt: r.consumed_at === null ? null : Number(r.consumed_at),
  };
}

export function sqlSignupStore(db: Kysely<Database>): SignupStore {
  return {
    async createInvitation(r) {
      await db
        .insertInto('invitations')
        .values({ token_hash: r.tokenHash, email: r.email, invited_by: r.invitedBy, created_at: r.createdAt, expires_at: r.expiresAt, consumed_at: r.consumedAt })
        .execute();
    },
    async findInvitation(tokenHash, now) {
      const row = await db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).where('consumed_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
      return row && fromRow(row);
    },
    async consumeInvitation(tokenHash, now) {
      // One conditional UPDATE: of concurrent uses, only the first finds consumed_at still null.
      const row = await db
        .updateTable('invitations')
        .set({ consumed_at: now })
        .where('token_hash', '=', tokenHash)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return row && fromRow(row);
    },
    async claimAddress(emailKey, userId, now) {
      const result = await db.insertInto('signup_addresses').values({ email_key: emailKey, user_id: userId, created_at: now }).onConflict((oc) => oc.column('email_key').doNothing()).executeTakeFirst();
      return inserted(result);
    },
    async addressHolder(emailKey) {
      const row = await db.selectFrom('signup_addresses').select(['user_id', 'created_at']).where('email_key', '=', emailKey).executeTakeFirst();
      return row && { userId: row.user_id, claimedAt: Number(row.created_at) };
    },
    async takeOverAddress(emailKey, fromUserId, toUserId, now) {
      const result = await db.updateTable('signup_addresses').set({ user_id: toUserId, created_at: now }).where('email_key', '=', emailKey).where('user_id', '=', fromUserId).executeTakeFirst();
      return changed(result) === 1;
    },
    async releaseAddress(emailKey, userId) {
      await db.deleteFrom('signup_addresses').where('email_key', '=', emailKey).where('user_id', '=', userId).execute();
    },
    deleteExpired: (now, limit) => deleteExpiredRows(db, 'invitations', now, limit),
  };
}
