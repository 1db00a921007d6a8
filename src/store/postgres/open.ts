import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Stores } from '../ports.js';
import type { Database } from '../sql/schema.js';
import { migrateToLatest } from '../sql/migrations.js';
import { sqlStores } from '../sql/index.js';
import { pgChangeFeed } from './change-feed.js';
import { boundedPool } from './pool.js';
import type { StoreTelemetry } from '../telemetry.js';

/** Connections per process; several nodes share the server's max_connections (100 by default). */
export const DEFAULT_POOL_SIZE = 10;

export interface PostgresOptions {
  poolSize?: number;
  /** Told which migrations were applied on opening (none when the schema was up to date). */
  onMigrated?: (applied: string[]) => void;
  telemetry?: StoreTelemetry;
}

/** The database cannot be used (unreachable, refused, or its schema cannot be brought up to date). */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
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
  const { pool, raw } = boundedPool(connectionString, options.poolSize ?? DEFAULT_POOL_SIZE);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    // Migrations may take long (or wait for another node's) and have no request waiting: no timeouts there.
    const migrator = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString, max: 1 }) }) });
    try {
      const applied = await migrateToLatest(migrator);
      options.onMigrated?.(applied);
    } finally {
      await migrator.destroy();
    }
    const changes = await pgChangeFeed(connectionString, db);
    const poolState = () => ({ total: raw.totalCount, idle: raw.idleCount, waiting: raw.waitingCount });
    return sqlStores(db, changes, { ...(options.telemetry ? { telemetry: options.telemetry } : {}), pool: poolState });
  } catch (e) {
    await db.destroy().catch(() => {});
    const reason = e instanceof Error ? e.message : String(e);
    throw new StoreUnavailableError(`cannot use the PostgreSQL database at ${redactUrl(connectionString)}: ${reason}`);
  }
}
