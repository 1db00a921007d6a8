import type { Context } from '../context.js';

/** A scope as people read it: what it lets an app do, and the API it belongs to (if an API defines it). */
export interface DescribedScope {
  name: string;
  description: string;
  api?: string;
}

/** Describes scopes for consent and account pages: an API's own descriptions first, then the server's. */
export async function describeScopes(ctx: Context, names: readonly string[]): Promise<DescribedScope[]> {
  const byScope = new Map<string, { description: string; api: string }>();
  for (const api of await ctx.stores.apis.list()) for (const s of api.scopes) if (!byScope.has(s.name)) byScope.set(s.name, { description: s.description, api: api.name });
  return names.map((name) => {
    const defined = byScope.get(name);
    return defined ? { name, description: defined.description, api: defined.api } : { name, description: ctx.config.scopeDescriptions[name] ?? name };
  });
}
