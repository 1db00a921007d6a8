/** Lists are kept as JSON text so one schema serves SQLite and PostgreSQL. */
export function toJsonList(values: readonly string[]): string {
  return JSON.stringify(values);
}

export function fromJsonList<T extends string = string>(text: string): T[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) {
    throw new Error('stored list is not a JSON array of strings');
  }
  return parsed as T[];
}

/** Counts of changed rows come back as bigint from kysely. */
export function changed(result: { numUpdatedRows?: bigint; numDeletedRows?: bigint }): number {
  return Number(result.numUpdatedRows ?? result.numDeletedRows ?? 0n);
}

/** Whether an insert (with `on conflict do nothing`) added its row. */
export function inserted(result: { numInsertedOrUpdatedRows?: bigint | undefined }): boolean {
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/**
 * A foreign key refused the row: the parent it hangs on (a role, group, user or API) was deleted
 * while the insert ran. PostgreSQL says 23503 when a delete commits between the insert's select and
 * its key check; SQLite, which runs one writer at a time, would say SQLITE_CONSTRAINT_FOREIGNKEY.
 */
function parentGone(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Whether an insert of a child row added it; false, like a conflict, when its parent went meanwhile. */
export async function insertedUnlessParentGone(insert: Promise<{ numInsertedOrUpdatedRows?: bigint | undefined }>): Promise<boolean> {
  try {
    return inserted(await insert);
  } catch (e) {
    if (parentGone(e)) return false;
    throw e;
  }
}
