import { type Kysely } from 'kysely';
import type { Database } from './schema.js';

type ExpiringTable = 'codes' | 'refresh_tokens' | 'issued_access_tokens' | 'revoked_jtis' | 'revoked_families' | 'federation_states' | 'sessions' | 'interactions' | 'device_codes' | 'account_tokens' | 'invitations' | 'passkey_challenges';
const KEY: Record<ExpiringTable, string> = {
  codes: 'code_hash',
  refresh_tokens: 'token_hash',
  issued_access_tokens: 'jti',
  revoked_jtis: 'jti',
  revoked_families: 'family_id',
  federation_states: 'state_hash',
  sessions: 'id_hash',
  interactions: 'id',
  device_codes: 'device_code_hash',
  account_tokens: 'token_hash',
  invitations: 'token_hash',
  passkey_challenges: 'challenge_hash',
};

/**
 * Deletes at most `limit` rows of `table` that expired at or before `now`. A bounded batch keeps
 * each statement short, so cleanup never holds the (single-writer) database for long.
 */
export async function deleteExpiredRows(db: Kysely<Database>, table: ExpiringTable, now: number, limit: number): Promise<number> {
  const key = KEY[table];
  const d = db as unknown as Kysely<Record<string, { expires_at: number } & Record<string, string>>>;
  const result = await d
    .deleteFrom(table)
    .where(key, 'in', d.selectFrom(table).select(key).where('expires_at', '<=', now).limit(limit))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
