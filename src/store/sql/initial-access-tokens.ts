import type { Kysely } from 'kysely';
import type { InitialAccessTokenStore } from '../ports.js';
import type { Database } from './schema.js';
import { changed } from './json.js';

export function sqlInitialAccessTokenStore(db: Kysely<Database>): InitialAccessTokenStore {
  return {
    async create(r) {
      await db.insertInto('initial_access_tokens').values({ token_hash: r.tokenHash, created_at: r.createdAt, expires_at: r.expiresAt, uses_left: r.usesLeft }).execute();
    },
    async isLive(tokenHash, now) {
      const row = await db
        .selectFrom('initial_access_tokens')
        .select('token_hash')
        .where('token_hash', '=', tokenHash)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .where((eb) => eb.or([eb('uses_left', 'is', null), eb('uses_left', '>', 0)]))
        .executeTakeFirst();
      return row !== undefined;
    },
    async use(tokenHash, now) {
      // One conditional UPDATE: concurrent registrations cannot spend the last use twice.
      const result = await db
        .updateTable('initial_access_tokens')
        .set((eb) => ({ uses_left: eb.case().when('uses_left', 'is', null).then(null).else(eb('uses_left', '-', 1)).end() }))
        .where('token_hash', '=', tokenHash)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .where((eb) => eb.or([eb('uses_left', 'is', null), eb('uses_left', '>', 0)]))
        .executeTakeFirst();
      return changed(result) === 1;
    },
    async list() {
      const rows = await db.selectFrom('initial_access_tokens').selectAll().orderBy('created_at').orderBy('token_hash').execute();
      return rows.map((r) => ({
        tokenHash: r.token_hash,
        createdAt: Number(r.created_at),
        expiresAt: r.expires_at === null ? null : Number(r.expires_at),
        usesLeft: r.uses_left === null ? null : Number(r.uses_left),
      }));
    },
    async delete(tokenHash) {
      return changed(await db.deleteFrom('initial_access_tokens').where('token_hash', '=', tokenHash).executeTakeFirst()) === 1;
    },
  };
}
