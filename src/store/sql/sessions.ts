import type { Kysely, Selectable } from 'kysely';
import type { InteractionStore, SessionRecord, SessionStore } from '../ports.js';
import type { Database, SessionsTable } from './schema.js';
import { changed, fromJsonList, toJsonList } from './json.js';
import { deleteExpiredRows } from './expiry.js';

function fromRow(r: Selectable<SessionsTable>): SessionRecord {
  return {
    idHash: r.id_hash,
    userId: r.user_id,
    authTime: Number(r.auth_time),
    amr: fromJsonList(r.amr),
    pendingFactor: r.pending_factor === 'verify' || r.pending_factor === 'enroll' ? r.pending_factor : null,
    deviceUserCodeHash: r.device_user_code_hash,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    absoluteExpiresAt: Number(r.absolute_expires_at ?? r.expires_at),
  };
}

export function sqlSessionStore(db: Kysely<Database>): SessionStore {
  return {
    async create(s) {
      await db
        .insertInto('sessions')
        .values({
          id_hash: s.idHash,
          user_id: s.userId,
          auth_time: s.authTime,
          amr: toJsonList(s.amr),
          pending_factor: s.pendingFactor,
          created_at: s.createdAt,
          expires_at: s.expiresAt,
          absolute_expires_at: s.absoluteExpiresAt,
        })
        .execute();
    },
    async find(idHash) {
      const r = await db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
      return r && fromRow(r);
    },
    async completeFactor(idHash, amr, authTime, expiresAt, absoluteExpiresAt) {
      const result = await db
        .updateTable('sessions')
        .set({ pending_factor: null, amr: toJsonList(amr), auth_time: authTime, expires_at: expiresAt, absolute_expires_at: absoluteExpiresAt })
        .where('id_hash', '=', idHash)
        .where('pending_factor', 'is not', null)
        .executeTakeFirst();
      return changed(result) === 1;
    },
    async stepUp(idHash, amr) {
      const result = await db.updateTable('sessions').set({ amr: toJsonList(amr) }).where('id_hash', '=', idHash).where('pending_factor', 'is', null).executeTakeFirst();
      return changed(result) === 1;
    },
    async touch(idHash, now, expiresAt) {
      await db
        .updateTable('sessions')
        .set({ expires_at: expiresAt })
        .where('id_hash', '=', idHash)
        .where('pending_factor', 'is', null)
        .where('expires_at', '>', now)
        .where('expires_at', '<', expiresAt)
        .execute();
    },
    async setDeviceUserCode(idHash, userCodeHash) {
      await db.updateTable('sessions').set({ device_user_code_hash: userCodeHash }).where('id_hash', '=', idHash).execute();
    },
    async destroy(idHash) {
      await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
    },
    async destroyForUser(userId) {
      return changed(await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst());
    },
    async listByUser(userId, now) {
      const rows = await db.selectFrom('sessions').selectAll().where('user_id', '=', userId).where('expires_at', '>', now).orderBy('created_at', 'desc').orderBy('id_hash').execute();
      return rows.map(fromRow);
    },
    async destroyOfUser(idHash, userId) {
      return changed(await db.deleteFrom('sessions').where('id_hash', '=', idHash).where('user_id', '=', userId).executeTakeFirst()) === 1;
    },
    deleteExpired: (now, limit) => deleteExpiredRows(db, 'sessions', now, limit),
  };
}

export function sqlInteractionStore(db: Kysely<Database>): InteractionStore {
  return {
    async create(i) {
      await db
        .insertInto('interactions')
        .values({
          id: i.id,
          browser_hash: i.browserHash,
          csrf_token: i.csrfToken,
          client_id: i.clientId,
          request: i.request,
          user_id: i.userId,
          auth_time: i.authTime,
          amr: toJsonList(i.amr),
          session_hash: i.sessionHash,
          created_at: i.createdAt,
          expires_at: i.expiresAt,
        })
        .execute();
    },
    async find(id) {
      const r = await db.selectFrom('interactions').selectAll().where('id', '=', id).executeTakeFirst();
      return (
        r && {
          id: r.id,
          browserHash: r.browser_hash,
          csrfToken: r.csrf_token,
          clientId: r.client_id,
          request: r.request,
          userId: r.user_id,
          authTime: r.auth_time === null ? null : Number(r.auth_time),
          amr: fromJsonList(r.amr),
          sessionHash: r.session_hash,
          createdAt: Number(r.created_at),
          expiresAt: Number(r.expires_at),
        }
      );
    },
    async setUser(id, userId, authTime, amr, sessionHash) {
      await db.updateTable('interactions').set({ user_id: userId, auth_time: authTime, amr: toJsonList(amr), session_hash: sessionHash }).where('id', '=', id).execute();
    },
    async delete(id) {
      await db.deleteFrom('interactions').where('id', '=', id).execute();
    },
    deleteExpired: (now, limit) => deleteExpiredRows(db, 'interactions', now, limit),
  };
}
