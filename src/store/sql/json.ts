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
