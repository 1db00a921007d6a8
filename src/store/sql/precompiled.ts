import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';

const MARK = '\u0000tessera-parameter:';

/**
 * A query that kysely builds and compiles once and then runs with new values: for the queries on
 * every token request, where building and compiling cost more than SQLite takes to run them.
 * `build` places `param(i)` where the i-th value goes; the values are bound in the order the
 * compiled SQL needs them, whatever that order is.
 */
export function precompiled<DB, Row>(build: (db: Kysely<DB>, param: (i: number) => string) => Compilable<Row>) {
  let compiled: { sql: string; slots: ({ value: number } | { constant: unknown })[] } | undefined;
  return async (db: Kysely<DB>, ...values: unknown[]): Promise<QueryResult<Row>> => {
    if (!compiled) {
      const query = build(db, (i) => `${MARK}${i}`).compile();
      compiled = {
        sql: query.sql,
        slots: query.parameters.map((p) => (typeof p === 'string' && p.startsWith(MARK) ? { value: Number(p.slice(MARK.length)) } : { constant: p })),
      };
    }
    const parameters = compiled.slots.map((slot) => ('value' in slot ? values[slot.value] : slot.constant));
    return db.executeQuery<Row>(CompiledQuery.raw(compiled.sql, parameters));
  };
}

/** An INSERT of one whole row into `table`, precompiled; the columns are those of the first row written (rows come from one toRow). */
export function precompiledInsert<DB>(table: keyof DB & string) {
  let columns: string[] | undefined;
  const insert = precompiled<DB, never>((db, param) => db.insertInto(table).values(Object.fromEntries(columns!.map((c, i) => [c, param(i)])) as never));
  return (db: Kysely<DB>, row: object): Promise<QueryResult<never>> => {
    columns ??= Object.keys(row);
    return insert(db, ...columns.map((c) => (row as Record<string, unknown>)[c]));
  };
}
