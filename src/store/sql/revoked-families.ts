import type { Kysely } from 'kysely';
import type { RevokedFamilyStore } from '../ports.js';
import type { Database } from './schema.js';
import { precompiled } from './precompiled.js';
import { deleteExpiredRows } from './expiry.js';

export function sqlRevokedFamilyStore(db: Kysely<Database>): RevokedFamilyStore {
  // On every token issued for a user: built once (see precompiled).
  const marked = precompiled<Database, { family_id: string }>((db, param) => db.selectFrom('revoked_families').select('family_id').where('family_id', '=', param(0)));
  return {
    async mark(familyId, at, until) {
      await db
        .insertInto('revoked_families')
        .values({ family_id: familyId, revoked_at: at, expires_at: until })
        .onConflict((oc) => oc.column('family_id').doNothing())
        .execute();
    },
    async isRevoked(familyId) {
      return (await marked(db, familyId)).rows.length > 0;
    },
    deleteExpired: (now, limit) => deleteExpiredRows(db, 'revoked_families', now, limit),
  };
}
