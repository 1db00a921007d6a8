import type { Kysely } from 'kysely';
import type { AccessTokenStore } from '../ports.js';
import type { Database } from './schema.js';

export function sqlAccessTokenStore(db: Kysely<Database>): AccessTokenStore {
  return {
    async recordIssued(jti, familyId, expiresAt) {
      await db.insertInto('issued_access_tokens').values({ jti, family_id: familyId, expires_at: expiresAt }).execute();
    },
    async revokeFamily(familyId) {
      await db
        .insertInto('revoked_jtis')
        .columns(['jti', 'expires_at'])
        .expression(db.selectFrom('issued_access_tokens').select(['jti', 'expires_at']).where('family_id', '=', familyId))
        .onConflict((oc) => oc.column('jti').doNothing())
        .execute();
    },
    async revokeJti(jti, expiresAt) {
      await db
        .insertInto('revoked_jtis')
        .values({ jti, expires_at: expiresAt })
        .onConflict((oc) => oc.column('jti').doNothing())
        .execute();
    },
    async isRevoked(jti) {
      const row = await db.selectFrom('revoked_jtis').select('jti').where('jti', '=', jti).executeTakeFirst();
      return row !== undefined;
    },
  };
}
