import { type Kysely, type Selectable } from 'kysely';
import type { AccountTokenRecord, AccountTokenStore } from '../ports.js';
import type { AccountTokensTable, Database } from './schema.js';
import { deleteExpiredRows } from './expiry.js';
import { changed } from './json.js';

function fromRow(r: Selectable<AccountTokensTable>): AccountTokenRecord {
  return {
    tokenHash: r.token_hash,
    purpose: r.purpose as AccountTokenRecord['purpose'],
    userId: r.user_id,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    consumedAt: r.consumed_at === null ? null : Number(r.consumed_at),
    ...(r.email === null ? {} : { email: r.email }),
    ...(r.interaction_id === null ? {} : { interactionId: r.interaction_id }),
  };
}

export function sqlAccountTokenStore(db: Kysely<Database>): AccountTokenStore {
  return {
    async create(r) {
      await db
        .insertInto('account_tokens')
        .values({ token_hash: r.tokenHash, purpose: r.purpose, user_id: r.userId, created_at: r.createdAt, expires_at: r.expiresAt, consumed_at: r.consumedAt, email: r.email ?? null, interaction_id: r.interactionId ?? null })
        .execute();
    },
    async findUsable(tokenHash, purpose, now) {
      const row = await db
        .selectFrom('account_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('purpose', '=', purpose)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row && fromRow(row);
    },
    async consume(tokenHash, purpose, now) {
      // One conditional UPDATE: of concurrent uses, only the first finds consumed_at still null.
      const row = await db
        .updateTable('account_tokens')
        .set({ consumed_at: now })
        .where('token_hash', '=', tokenHash)
        .where('purpose', '=', purpose)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return row && fromRow(row);
    },
    async consumeAllOf(userId, purpose, now) {
      const result = await db.updateTable('account_tokens').set({ consumed_at: now }).where('user_id', '=', userId).where('purpose', '=', purpose).where('consumed_at', 'is', null).executeTakeFirst();
      return changed(result);
    },
    deleteExpired: (now, limit) => deleteExpiredRows(db, 'account_tokens', now, limit),
  };
}
