import type { Kysely } from 'kysely';
import type { MfaStore } from '../ports.js';
import type { Database } from './schema.js';
import { changed, fromJsonList, inserted, toJsonList } from './json.js';

export function sqlMfaStore(db: Kysely<Database>): MfaStore {
  return {
    async find(userId) {
      const r = await db.selectFrom('user_mfa').selectAll().where('user_id', '=', userId).executeTakeFirst();
      return (
        r && {
          userId: r.user_id,
          secretSealed: r.secret_sealed,
          enabledAt: r.enabled_at === null ? null : Number(r.enabled_at),
          lastTimeStep: Number(r.last_time_step),
          backupCodeHashes: fromJsonList(r.backup_codes),
          createdAt: Number(r.created_at),
          pendingSession: r.pending_session,
        }
      );
    },
    async startEnrollment(m) {
      const row = { user_id: m.userId, secret_sealed: m.secretSealed, enabled_at: null, last_time_step: 0, backup_codes: '[]', created_at: m.createdAt, pending_session: m.pendingSession };
      // Replace only a pending enrollment; an enabled factor stays until it is reset.
      const result = await db
        .insertInto('user_mfa')
        .values(row)
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ secret_sealed: m.secretSealed, created_at: m.createdAt, pending_session: m.pendingSession }).where('user_mfa.enabled_at', 'is', null))
        .executeTakeFirst();
      return inserted(result);
    },
    async enable(userId, hashes, timeStep, now, secretSealed) {
      const result = await db
        .updateTable('user_mfa')
        .set({ enabled_at: now, backup_codes: toJsonList(hashes), last_time_step: timeStep, pending_session: null })
        .where('user_id', '=', userId)
        .where('enabled_at', 'is', null)
        .where('secret_sealed', '=', secretSealed)
        .executeTakeFirst();
      return changed(result) === 1;
    },
    async useTimeStep(userId, timeStep) {
      const result = await db.updateTable('user_mfa').set({ last_time_step: timeStep }).where('user_id', '=', userId).where('last_time_step', '<', timeStep).executeTakeFirst();
      return changed(result) === 1;
    },
    async useBackupCode(userId, codeHash) {
      const current = await db.selectFrom('user_mfa').select('backup_codes').where('user_id', '=', userId).executeTakeFirst();
      if (!current) return false;
      const hashes = fromJsonList(current.backup_codes);
      if (!hashes.includes(codeHash)) return false;
      // Compare-and-set on the list: of two requests spending the same code, one wins.
      const result = await db
        .updateTable('user_mfa')
        .set({ backup_codes: toJsonList(hashes.filter((h) => h !== codeHash)) })
        .where('user_id', '=', userId)
        .where('backup_codes', '=', current.backup_codes)
        .executeTakeFirst();
      return changed(result) === 1;
    },
    async replaceBackupCodes(userId, hashes) {
      // One write of the whole list: a code spent concurrently by useBackupCode (its compare-and-set) loses to it.
      const result = await db.updateTable('user_mfa').set({ backup_codes: toJsonList(hashes) }).where('user_id', '=', userId).where('enabled_at', 'is not', null).executeTakeFirst();
      return changed(result) === 1;
    },
    async delete(userId) {
      return changed(await db.deleteFrom('user_mfa').where('user_id', '=', userId).executeTakeFirst()) === 1;
    },
  };
}
