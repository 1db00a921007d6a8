import type { Context } from '../context.js';

/**
 * The scopes a service registered without an operator (the developer console's "Service" kind,
 * on client credentials) may hold: the self-service scopes (`--self-service-scopes`) that an API
 * defines (`tessera api create --scope`). An operator opens an API scope to self-registered
 * services by naming it in both; by default none is. OpenID Connect scopes are left out: they
 * describe a user, and a service acts for itself (client-credentials tokens never carry them).
 */
export async function serviceScopes(ctx: Context): Promise<string[]> {
  const defined = new Set((await ctx.stores.apis.list()).flatMap((api) => api.scopes.map((s) => s.name)));
  return ctx.config.selfServiceScopes.filter((s) => defined.has(s));
}

/**
 * What a new service holds: the service scopes the developer checked, or, when they checked none
 * of them (the form's defaults are for apps that sign users in), every one the operator allows.
 */
export function scopesOfNewService(checked: readonly string[], allowed: readonly string[]): string[] {
  const picked = checked.filter((s) => allowed.includes(s));
  return picked.length > 0 ? picked : [...allowed];
}
