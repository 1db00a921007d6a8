import { Type } from '@sinclair/typebox';
import { Problem } from './problem.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

/** The query parameters of every list. */
export const pageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, description: `items per page (default ${DEFAULT_LIMIT})` })),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'next_cursor of the previous page' })),
};

/** The body of every list: a page of items and the cursor of the next page (null on the last). */
export const pageOf = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({ items: Type.Array(item), next_cursor: Type.Union([Type.String(), Type.Null()]) });

const encode = (key: string) => Buffer.from(JSON.stringify([key]), 'utf8').toString('base64url');

function decode(cursor: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string') return parsed[0];
  } catch {
    // refused below
  }
  throw new Problem(400, 'the cursor is not one this API gave out', {}, [{ pointer: 'cursor', detail: 'malformed' }]);
}

/**
 * One page of `items`, ordered by a unique, stable key (an id), starting after the cursor's key.
 * A cursor names a key, not a position, so items added or removed meanwhile neither repeat nor
 * skip the others.
 */
export function paginate<T>(items: readonly T[], keyOf: (item: T) => string, query: Record<string, unknown>): { items: T[]; next_cursor: string | null } {
  const limit = typeof query['limit'] === 'number' ? query['limit'] : DEFAULT_LIMIT;
  const after = typeof query['cursor'] === 'string' ? decode(query['cursor']) : undefined;
  const sorted = [...items].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((item) => keyOf(item) > after);
  const page = rest.slice(0, limit);
  return { items: page, next_cursor: rest.length > limit ? encode(keyOf(page[page.length - 1]!)) : null };
}
