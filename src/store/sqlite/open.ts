import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import type { Stores } from '../ports.js';
import type { Database } from '../sql/schema.js';
import { migrateToLatest } from '../sql/migrations.js';
import { sqlStores } from '../sql/index.js';
import { sqliteChangeFeed } from './change-feed.js';
import { startBackgroundCheckpoints } from './checkpointer.js';
import type { StoreTelemetry } from '../telemetry.js';

export const SQLITE_FILE = 'tessera.sqlite';

/** Distinct SQL texts kept prepared; the store issues a few dozen, so this only bounds the odd IN (…) list. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew; preparing costs more than running most of ours. This keeps
 * statements by their SQL text (parameters are bound at each run, so reuse is safe; the store
 * never streams, which would hold a statement busy).
 */
function withStatementCache(database: Sqlite.Database): SqliteDatabase {
  const statements = new Map<string, Sqlite.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (statement) {
        // Most recently used last, so the first entry is the one to drop.
        statements.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}

/**
 * Opens (and creates, on first use) the embedded store in `dataDir`. WAL lets the CLI write
 * while a server reads; busy_timeout makes a writer wait for the other instead of failing.
 */
export async function openSqliteStores(
  dataDir: string,
  onMigrated?: (applied: string[]) => void,
  options: { backgroundCheckpoints?: boolean; onError?: (error: unknown) => void; telemetry?: StoreTelemetry } = {},
): Promise<Stores> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, SQLITE_FILE);
  // Created owner-only before SQLite opens it; SQLite gives its -wal and -shm files the same mode.
  closeSync(openSync(file, 'a', 0o600));
  const database = new Sqlite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  // SQLite's own lower() folds A-Z only; addresses are compared in lower case as JavaScript folds them
  // (the core's keys, PostgreSQL's lower()), so 'ÉLISE@…' and 'élise@…' are one address here too.
  database.function('lower', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? text.toLowerCase() : text));
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  const applied = await migrateToLatest(db);
  onMigrated?.(applied);
  const stores = sqlStores(db, sqliteChangeFeed(database), options.telemetry ? { telemetry: options.telemetry } : {});
  // A long-running server checkpoints off the event loop; a CLI command leaves it to SQLite.
  if (!options.backgroundCheckpoints) return stores;
  const checkpoints = startBackgroundCheckpoints(database, file, options.onError);
  return {
    ...stores,
    async close() {
      await checkpoints.stop();
      await stores.close();
    },
  };
}
