import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Stores } from '../ports.js';
import type { Database } from '../sql/schema.js';
import { migrateToLatest } from '../sql/migrations.js';
import { sqlStores } from '../sql/index.js';

export const SQLITE_FILE = 'tessera.sqlite';

/**
 * Opens (and creates, on first use) the embedded store in `dataDir`. WAL lets the CLI write
 * while a server reads; busy_timeout makes a writer wait for the other instead of failing.
 */
export async function openSqliteStores(dataDir: string, onMigrated?: (applied: string[]) => void): Promise<Stores> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const database = new Sqlite(join(dataDir, SQLITE_FILE));
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  const applied = await migrateToLatest(db);
  onMigrated?.(applied);
  return sqlStores(db);
}
