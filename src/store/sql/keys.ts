import type { Kysely } from 'kysely';
import type { ChangeFeed, KeyStore, SigningKeyRecord } from '../ports.js';
import type { Database } from './schema.js';
import { changed } from './json.js';

export function sqlKeyStore(db: Kysely<Database>, changes?: ChangeFeed): KeyStore {
  const announce = async () => changes?.publish({ kind: 'keys' });
  return {
    async all() {
      const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at').orderBy('kid').execute();
      return rows.map(
        (r): SigningKeyRecord => ({
          kid: r.kid,
          alg: r.alg as SigningKeyRecord['alg'],
          privateJwk: r.private_jwk,
          createdAt: Number(r.created_at),
          retiredAt: r.retired_at === null ? null : Number(r.retired_at),
        }),
      );
    },
    async add(key) {
      await db
        .insertInto('signing_keys')
        .values({ kid: key.kid, alg: key.alg, private_jwk: key.privateJwk, created_at: key.createdAt, retired_at: key.retiredAt })
        .execute();
      await announce();
    },
    async retire(kid, at) {
      const result = await db.updateTable('signing_keys').set({ retired_at: at }).where('kid', '=', kid).where('retired_at', 'is', null).executeTakeFirst();
      await announce();
      return changed(result) === 1;
    },
    async replacePrivateJwk(kid, expected, next) {
      const result = await db.updateTable('signing_keys').set({ private_jwk: next }).where('kid', '=', kid).where('private_jwk', '=', expected).executeTakeFirst();
      return changed(result) === 1;
    },
    async delete(kid) {
      const result = await db.deleteFrom('signing_keys').where('kid', '=', kid).executeTakeFirst();
      await announce();
      return changed(result) === 1;
    },
  };
}
