import type { Kysely } from 'kysely';
import type { StoreStats } from '../ports.js';
import type { Database } from './schema.js';

/** The counts behind the store's gauges; `pool` is the PostgreSQL pool's own counters, when there is one. */
export function sqlStoreStats(db: Kysely<Database>, pool?: StoreStats['pool']): StoreStats {
  // count(*) comes back as a number on SQLite and a string (bigint) on PostgreSQL.
  const count = async (query: Promise<{ n: number | string | bigint } | undefined>) => Number((await query)?.n ?? 0);
  return {
    deviceCodesPending: (now) =>
      count(db.selectFrom('device_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').where('expires_at', '>', now).executeTakeFirst()),
    sessionsActive: (now) =>
      count(db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).where('pending_factor', 'is', null).where('expires_at', '>', now).executeTakeFirst()),
    ...(pool ? { pool } : {}),
  };
}
