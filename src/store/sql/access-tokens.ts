import type { Kysely } from 'kysely';
import type { AccessTokenStore, IssuedAccessToken } from '../ports.js';
import { groupCommit } from '../group-commit.js';
import type { Database } from './schema.js';
import { precompiled } from './precompiled.js';
import { deleteExpiredRows } from './expiry.js';

export function sqlAccessTokenStore(db: Kysely<Database>): AccessTokenStore {
  const expiredIssued = (now: number, limit: number) => deleteExpiredRows(db, 'issued_access_tokens', now, limit);
  const expiredRevoked = (now: number, limit: number) => deleteExpiredRows(db, 'revoked_jtis', now, limit);
  // Every user token is recorded (so its family can be revoked): by group commit, one transaction for many requests.
  const recordIssued = groupCommit<IssuedAccessToken>(async (tokens) => {
    await db
      .insertInto('issued_access_tokens')
      .values(tokens.map((t) => ({ jti: t.jti, family_id: t.familyId, grant_id: t.grantId, expires_at: t.expiresAt })))
      .execute();
  }, 500);
  // On every introspection and userinfo request: built once (see precompiled).
  const revokedJti = precompiled<Database, { jti: string }>((db, param) => db.selectFrom('revoked_jtis').select('jti').where('jti', '=', param(0)));
  // A user token whose grant is gone or whose family is marked is revoked too, even if the sweep that
  // lists its jti never ran (a revocation cut short by a stalled database leaves nothing half-done).
  const voidedByOwner = precompiled<Database, { jti: string }>((db, param) =>
    db
      .selectFrom('issued_access_tokens as t')
      .leftJoin('grants as g', 'g.grant_id', 't.grant_id')
      .leftJoin('revoked_families as f', 'f.family_id', 't.family_id')
      .select('t.jti')
      .where('t.jti', '=', param(0))
      .where((eb) => eb.or([eb.and([eb('t.grant_id', 'is not', null), eb('g.grant_id', 'is', null)]), eb('f.family_id', 'is not', null)])),
  );
  return {
    recordIssued,
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
      if ((await revokedJti(db, jti)).rows.length > 0) return true;
      return (await voidedByOwner(db, jti)).rows.length > 0;
    },
    async deleteExpired(now, limit) {
      return (await expiredIssued(now, limit)) + (await expiredRevoked(now, limit));
    },
  };
}
