import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Stores } from './ports.js';
import type { Database } from './sql/schema.js';
import { sqlStores } from './sql/index.js';
import { SQLITE_FILE } from './sqlite/open.js';

/** How long an inspection waits for the database to connect, and for each statement. */
const INSPECT_TIMEOUT_MS = 5000;

/** The embedded store's file does not exist: inspecting never creates one. */
export class MissingStoreError extends Error {
  override name = 'MissingStoreError';
}

/**
 * A store opened to look, never to change: the SQLite file read-only, PostgreSQL without
 * migrating, no change feed, no pepper recorded. `tessera doctor` reads through it.
 */
export interface InspectedStore {
  stores: Stores;
  /** The migrations the database records as applied (none when it has no migrations table). */
  appliedMigrations(): Promise<string[]>;
  /** The database server's clock (ms), PostgreSQL only. */
  clock(): Promise<number | undefined>;
  close(): Promise<void>;
}

export async function openForInspection(location: { dataDir: string; databaseUrl?: string }): Promise<InspectedStore> {
  if (location.databaseUrl) {
    const pool = new pg.Pool({ connectionString: location.databaseUrl, max: 2, connectionTimeoutMillis: INSPECT_TIMEOUT_MS, query_timeout: INSPECT_TIMEOUT_MS, statement_timeout: INSPECT_TIMEOUT_MS });
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    try {
      await sql`select 1`.execute(db);
    } catch (e) {
      await db.destroy().catch(() => {});
      throw e;
    }
    return {
      stores: sqlStores(db),
      async appliedMigrations() {
        const { rows } = await sql<{ present: string | null }>`select to_regclass('kysely_migration')::text as present`.execute(db);
        if (!rows[0]?.present) return [];
        return (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)).rows.map((r) => r.name);
      },
      async clock() {
        const { rows } = await sql<{ now: Date }>`select now() as now`.execute(db);
        return rows[0]?.now.getTime();
      },
      close: () => db.destroy(),
    };
  }
  const file = join(location.dataDir, SQLITE_FILE);
  if (!existsSync(file)) throw new MissingStoreError(`no ${SQLITE_FILE} in ${location.dataDir}`);
  // With no WAL file (the store closed cleanly): opened for writing but refusing every write
  // (query_only), since a read-only connection would leave -wal and -shm files behind, where this one,
  // the last to close, removes them as it found them. With a WAL file (a server runs, or one died
  // before checkpointing), read-only: a writable connection that happened to close last would
  // checkpoint the WAL into the database and delete it, changing the store's files.
  const database = new Sqlite(file, { fileMustExist: true, readonly: existsSync(`${file}-wal`) });
  database.pragma('query_only = ON');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return {
    stores: sqlStores(db),
    async appliedMigrations() {
      const { rows } = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(db);
      if (rows.length === 0) return [];
      return (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)).rows.map((r) => r.name);
    },
    clock: async () => undefined,
    close: () => db.destroy(),
  };
}
