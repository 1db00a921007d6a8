import type { Kysely, Selectable } from 'kysely';
import type { CodeRecord, CodeStore } from '../ports.js';
import type { CodesTable, Database } from './schema.js';
import { fromJsonList, toJsonList } from './json.js';
import { deleteExpiredRows } from './expiry.js';
import { precompiled, precompiledInsert } from './precompiled.js';

function fromRow(r: Selectable<CodesTable>): CodeRecord {
  return {
    codeHash: r.code_hash,
    clientId: r.client_id,
    userId: r.user_id,
    redirectUri: r.redirect_uri,
    redirectUriInRequest: Boolean(r.redirect_uri_in_request),
    codeChallenge: r.code_challenge,
    scopes: fromJsonList(r.scopes),
    nonce: r.nonce,
    authTime: Number(r.auth_time),
    amr: fromJsonList(r.amr),
    grantId: r.grant_id,
    familyId: r.family_id,
    resources: fromJsonList(r.resources),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}

export function sqlCodeStore(db: Kysely<Database>): CodeStore {
  // Every code issued and redeemed runs these: built once (see precompiled).
  const insert = precompiledInsert<Database>('codes');
  const markConsumed = precompiled<Database, Selectable<CodesTable>>((db, param) =>
    db
      .updateTable('codes')
      .set({ consumed_at: param(0) as unknown as number })
      .where('code_hash', '=', param(1))
      .where('consumed_at', 'is', null)
      .returningAll(),
  );
  const select = precompiled<Database, Selectable<CodesTable>>((db, param) => db.selectFrom('codes').selectAll().where('code_hash', '=', param(0)));
  return {
    async find(codeHash) {
      const [row] = (await select(db, codeHash)).rows;
      return row && fromRow(row);
    },
    async save(c) {
      await insert(db, {
          code_hash: c.codeHash,
          client_id: c.clientId,
          user_id: c.userId,
          redirect_uri: c.redirectUri,
          redirect_uri_in_request: c.redirectUriInRequest ? 1 : 0,
          code_challenge: c.codeChallenge,
          scopes: toJsonList(c.scopes),
          nonce: c.nonce,
          auth_time: c.authTime,
          amr: toJsonList(c.amr),
          grant_id: c.grantId,
          family_id: c.familyId,
          resources: toJsonList(c.resources),
          created_at: c.createdAt,
          expires_at: c.expiresAt,
          consumed_at: null,
        });
    },
    async consume(codeHash, now) {
      // One conditional UPDATE: the database decides which of concurrent redemptions wins.
      const [won] = (await markConsumed(db, now, codeHash)).rows;
      if (won) return { status: 'ok', record: fromRow(won) };
      const [seen] = (await select(db, codeHash)).rows;
      return seen ? { status: 'consumed', record: fromRow(seen) } : { status: 'unknown' };
    },
    deleteExpired: (now, limit) => deleteExpiredRows(db, 'codes', now, limit),
  };
}
