import type { Kysely, Selectable } from 'kysely';
import type { RefreshOwner, RefreshRecord, RefreshStore } from '../ports.js';
import type { Database, RefreshTokensTable } from './schema.js';
import { changed, fromJsonList, toJsonList } from './json.js';
import { deleteExpiredRows } from './expiry.js';
import { precompiled, precompiledInsert } from './precompiled.js';

/** The column and value that select an owner's refresh tokens. */
function ownerColumn(owner: RefreshOwner): ['family_id' | 'grant_id' | 'user_id' | 'client_id', string] {
  if ('familyId' in owner) return ['family_id', owner.familyId];
  if ('grantId' in owner) return ['grant_id', owner.grantId];
  if ('userId' in owner) return ['user_id', owner.userId];
  return ['client_id', owner.clientId];
}

function toRow(r: RefreshRecord): RefreshTokensTable {
  return {
    token_hash: r.tokenHash,
    family_id: r.familyId,
    resources: toJsonList(r.resources),
    grant_id: r.grantId,
    client_id: r.clientId,
    user_id: r.userId,
    scopes: toJsonList(r.scopes),
    auth_time: r.authTime,
    amr: toJsonList(r.amr),
    created_at: r.createdAt,
    expires_at: r.expiresAt,
    absolute_expires_at: r.absoluteExpiresAt,
    rotated_at: r.rotatedAt,
    revoked_at: r.revokedAt,
  };
}

function fromRow(r: Selectable<RefreshTokensTable>): RefreshRecord {
  return {
    tokenHash: r.token_hash,
    familyId: r.family_id,
    resources: fromJsonList(r.resources),
    grantId: r.grant_id,
    clientId: r.client_id,
    userId: r.user_id,
    scopes: fromJsonList(r.scopes),
    authTime: Number(r.auth_time),
    amr: fromJsonList(r.amr),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    absoluteExpiresAt: r.absolute_expires_at === null ? null : Number(r.absolute_expires_at),
    rotatedAt: r.rotated_at === null ? null : Number(r.rotated_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  };
}

export function sqlRefreshStore(db: Kysely<Database>): RefreshStore {
  // Every refresh runs these: built once (see precompiled).
  const byHash = precompiled<Database, Selectable<RefreshTokensTable>>((db, param) => db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', param(0)));
  const insert = precompiledInsert<Database>('refresh_tokens');
  const markRotated = precompiled<Database, never>((db, param) =>
    db
      .updateTable('refresh_tokens')
      .set({ rotated_at: param(0) as unknown as number })
      .where('token_hash', '=', param(1))
      .where('rotated_at', 'is', null)
      .where('revoked_at', 'is', null),
  );
  return {
    async find(tokenHash) {
      const [row] = (await byHash(db, tokenHash)).rows;
      return row && fromRow(row);
    },
    async save(record) {
      await insert(db, toRow(record));
    },
    async rotate(oldHash, next, now) {
      return db.transaction().execute(async (trx) => {
        const result = await markRotated(trx, now, oldHash);
        if (Number(result.numAffectedRows ?? 0) === 1) {
          await insert(trx, toRow(next));
          return 'ok';
        }
        const row = await trx.selectFrom('refresh_tokens').select(['revoked_at']).where('token_hash', '=', oldHash).executeTakeFirst();
        if (!row) return 'unknown';
        return row.revoked_at === null ? 'reused' : 'revoked';
      });
    },
    async revokeWhere(owner, now) {
      const [column, value] = ownerColumn(owner);
      const result = await db.updateTable('refresh_tokens').set({ revoked_at: now }).where(column, '=', value).where('revoked_at', 'is', null).executeTakeFirst();
      return changed(result);
    },
    deleteExpired: (now, limit) => deleteExpiredRows(db, 'refresh_tokens', now, limit),
  };
}
