import { sql, type Kysely, type Selectable } from 'kysely';
import type { PasskeyChallengeRecord, PasskeyRecord, PasskeyStore } from '../ports.js';
import type { Database, PasskeysTable } from './schema.js';
import { changed, fromJsonList, inserted, toJsonList } from './json.js';
import { deleteExpiredRows } from './expiry.js';
import { isPostgres } from './dialect.js';

function fromRow(r: Selectable<PasskeysTable>): PasskeyRecord {
  return {
    id: r.id,
    userId: r.user_id,
    publicKey: r.public_key,
    counter: Number(r.counter),
    transports: fromJsonList(r.transports),
    deviceType: r.device_type === 'multiDevice' ? 'multiDevice' : 'singleDevice',
    backedUp: Boolean(r.backed_up),
    aaguid: r.aaguid,
    name: r.name,
    createdAt: Number(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
  };
}

export function sqlPasskeyStore(db: Kysely<Database>): PasskeyStore {
  return {
    async create(p) {
      const result = await db
        .insertInto('passkeys')
        .values({
          id: p.id,
          user_id: p.userId,
          public_key: p.publicKey,
          counter: p.counter,
          transports: toJsonList(p.transports),
          device_type: p.deviceType,
          backed_up: p.backedUp ? 1 : 0,
          aaguid: p.aaguid,
          name: p.name,
          created_at: p.createdAt,
          last_used_at: p.lastUsedAt,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      return inserted(result);
    },
    async find(id) {
      const row = await db.selectFrom('passkeys').selectAll().where('id', '=', id).executeTakeFirst();
      return row && fromRow(row);
    },
    async listByUser(userId) {
      const rows = await db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
      return rows.map(fromRow);
    },
    async recordUse(id, seenCounter, counter, backedUp, now) {
      // Compare-and-set on the counter: a second use of the same signature finds it moved.
      const result = await db
        .updateTable('passkeys')
        .set({ counter, backed_up: backedUp ? 1 : 0, last_used_at: now })
        .where('id', '=', id)
        .where('counter', '=', seenCounter)
        .executeTakeFirst();
      return changed(result) === 1;
    },
    async rename(userId, id, name) {
      return changed(await db.updateTable('passkeys').set({ name }).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()) === 1;
    },
    async delete(userId, id) {
      return changed(await db.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()) === 1;
    },
    async deleteKeeping(userId, id, keep) {
      return db.transaction().execute(async (trx) => {
        // PostgreSQL: the user's row is the lock one user's removals queue on. SQLite: a write transaction is alone anyway.
        if (isPostgres(db)) await sql`select id from users where id = ${userId} for update`.execute(trx);
        const { n } = await trx.selectFrom('passkeys').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
        if (Number(n) - 1 < keep) return false;
        return changed(await trx.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()) === 1;
      });
    },
    async userHandle(userId, fresh) {
      await db.insertInto('passkey_user_handles').values({ user_id: userId, handle: fresh }).onConflict((oc) => oc.column('user_id').doNothing()).execute();
      const row = await db.selectFrom('passkey_user_handles').select('handle').where('user_id', '=', userId).executeTakeFirstOrThrow();
      return row.handle;
    },
    async userOfHandle(handle) {
      return (await db.selectFrom('passkey_user_handles').select('user_id').where('handle', '=', handle).executeTakeFirst())?.user_id;
    },
    async saveChallenge(c) {
      await db
        .insertInto('passkey_challenges')
        .values({ challenge_hash: c.challengeHash, purpose: c.purpose, binding: c.binding, user_id: c.userId, expires_at: c.expiresAt })
        .execute();
    },
    async takeChallenge(challengeHash, purpose, binding, now) {
      // One DELETE … RETURNING: of concurrent takers, only one deletes the row.
      const row = await db
        .deleteFrom('passkey_challenges')
        .where('challenge_hash', '=', challengeHash)
        .where('purpose', '=', purpose)
        .where('binding', '=', binding)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return (
        row && {
          challengeHash: row.challenge_hash,
          purpose: row.purpose as PasskeyChallengeRecord['purpose'],
          binding: row.binding,
          userId: row.user_id,
          expiresAt: Number(row.expires_at),
        }
      );
    },
    deleteExpired: (now, limit) => deleteExpiredRows(db, 'passkey_challenges', now, limit),
  };
}
