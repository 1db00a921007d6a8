/**
 * The admin API pages lists by id; the store lists them in the order people read (by name, or by
 * creation). Remote lists are put back in the store's order, so both print the same.
 */
export function orderBy<T>(items: T[], ...keys: ((item: T) => string | number)[]): T[] {
  return [...items].sort((a, b) => {
    for (const key of keys) {
      const x = key(a);
      const y = key(b);
      if (x < y) return -1;
      if (x > y) return 1;
    }
    return 0;
  });
}

/** The view without the fields the admin API adds for its own addressing (ids). */
export function without(view: Record<string, unknown>, ...names: string[]): Record<string, unknown> {
  const copy = { ...view };
  for (const name of names) delete copy[name];
  return copy;
}

/** Only these fields, in this order. */
export function pick(view: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(names.filter((n) => n in view).map((n) => [n, view[n]]));
}
