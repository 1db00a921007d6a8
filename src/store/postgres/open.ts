import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Stores } from '../ports.js';
import type { Database } from '../sql/schema.js';
import { migrateToLatest } from '../sql/migrations.js';
import { sqlStores } from '../sql/index.js';
import { pgChangeFeed } from './change-feed.js';

/** Connections per process; several nodes share the server's max_connections (100 by default). */
export const DEFAULT_POOL_SIZE = 10;

export interface PostgresOptions {
  poolSize?: number;
  /** Bring the schema up to date first (every node does; a PostgreSQL advisory lock lets one at a time). */
  migrate?: boolean;
}

/** A connection string's password is never printed: errors and logs show this instead. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparseable database URL)';
  }
}

/**
 * The shared store on PostgreSQL (TESSERA_DATABASE_URL). Several nodes may open it at once:
 * kysely's migrator holds a PostgreSQL advisory lock while it migrates, so one node migrates and
 * the others wait, then find nothing left to do.
 */
export async function openPostgresStores(connectionString: string, options: PostgresOptions = {}): Promise<Stores> {
  const pool = new pg.Pool({ connectionString, max: options.poolSize ?? DEFAULT_POOL_SIZE });
  // An idle connection that breaks (database restart) is replaced on next use; it must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    if (options.migrate !== false) await migrateToLatest(db);
    const changes = await pgChangeFeed(connectionString, db);
    return sqlStores(db, changes);
  } catch (e) {
    await db.destroy().catch(() => {});
    const reason = e instanceof Error ? e.message : String(e);
    throw new Error(`cannot use the PostgreSQL database at ${redactUrl(connectionString)}: ${reason}`);
  }
}
