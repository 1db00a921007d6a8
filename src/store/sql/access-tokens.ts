import type { Kysely } from 'kysely';
import type { AccessTokenStore } from '../ports.js';
import type { Database } from './schema.js';
import { precompiled } from './precompiled.js';
import { deleteExpiredRows } from './expiry.js';

export function sqlAccessTokenStore(db: Kysely<Database>): AccessTokenStore {
  const expiredIssued = (now: number, limit: number) => deleteExpiredRows(db, 'issued_access_tokens', now, limit);
  const expiredRevoked = (now: number, limit: number) => deleteExpiredRows(db, 'revoked_jtis', now, limit);
  // On every token request and every introspection: built once (see precompiled).
  const insertIssued = precompiled<Database, never>((db, param) =>
    db.insertInto('issued_access_tokens').values({ jti: param(0), family_id: param(1), grant_id: param(2), expires_at: param(3) as unknown as number }),
  );
  const revokedJti = precompiled<Database, { jti: string }>((db, param) => db.selectFrom('revoked_jtis').select('jti').where('jti', '=', param(0)));
  return {
    async recordIssued(t) {
      await insertIssued(db, t.jti, t.familyId, t.grantId, t.expiresAt);
    },
    async revokeWhere(owner) {
      const [column, value] = 'familyId' in owner ? (['family_id', owner.familyId] as const) : (['grant_id', owner.grantId] as const);
      await db
        .insertInto('revoked_jtis')
        .columns(['jti', 'expires_at'])
        .expression(db.selectFrom('issued_access_tokens').select(['jti', 'expires_at']).where(column, '=', value))
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
      return (await revokedJti(db, jti)).rows.length > 0;
    },
    async deleteExpired(now, limit) {
      return (await expiredIssued(now, limit)) + (await expiredRevoked(now, limit));
    },
  };
}
