import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { SQLITE_FILE } from '../../src/store/sqlite/open.js';

/** Every value of every column of every table of a store, as text, read past the store's code (the file or the database itself). */
export async function storeValues(store: { dataDir: string; database?: { url: string } }): Promise<{ table: string; column: string; value: string }[]> {
  const out: { table: string; column: string; value: string }[] = [];
  const collect = (table: string, rows: Record<string, unknown>[]) => {
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) if (value !== null) out.push({ table, column, value: String(value) });
    }
  };
  if (store.database) {
    const client = new pg.Client({ connectionString: store.database.url });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'");
      for (const { table_name } of tables.rows) collect(table_name, (await client.query(`select * from "${table_name}"`)).rows);
    } finally {
      await client.end();
    }
    return out;
  }
  const db = new Sqlite(join(store.dataDir, SQLITE_FILE), { readonly: true });
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[];
    for (const { name } of tables) collect(name, db.prepare(`select * from "${name}"`).all() as Record<string, unknown>[]);
  } finally {
    db.close();
  }
  return out;
}

/** The members of a private JWK (RFC 7518 §6.2.2, §6.3.2) as they appear in serialized JSON. */
export const PRIVATE_JWK_MEMBERS = ['"d":', '"p":', '"q":', '"dp":', '"dq":', '"qi":'];

/** Where in the store a private JWK member appears in clear. */
export async function privateKeyMaterial(store: { dataDir: string; database?: { url: string } }): Promise<string[]> {
  return (await storeValues(store))
    .filter(({ value }) => PRIVATE_JWK_MEMBERS.some((m) => value.replace(/\s/g, '').includes(m)))
    .map(({ table, column }) => `${table}.${column}`);
}
